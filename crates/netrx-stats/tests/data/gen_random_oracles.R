# Randomised cross-check of netrx's KM / RMST / survdiff against R (survival 3.5-3).
#   Rscript gen_random_oracles.R   (writes random_data.csv and random_oracles.tsv)
# 30 small datasets (seed 20261126): heavy ties, continuous times with planted near-ties,
# zero times, 2-3 groups, 2 strata, the last subject at risk dying or censored.
suppressMessages(library(survival))
set.seed(20261126)
rows <- list(); out <- character()
put <- function(id, an, q, v) {
  for (i in seq_along(v)) {
    val <- v[i]
    s <- if (is.na(val) && !is.nan(val)) "NA" else if (is.nan(val)) "NaN" else if (is.infinite(val)) (if (val > 0) "Inf" else "-Inf") else sprintf("%.15g", val)
    out[length(out) + 1] <<- sprintf("%d\t%s\t%s[%d]\t%s", id, an, q, i, s)
  }
}
cts <- c("log", "log-log", "plain")
for (id in 1:30) {
  n <- sample(5:80, 1)
  kind <- id %% 3
  time <- if (kind == 0) sample(0:15, n, replace = TRUE) else if (kind == 1) round(rexp(n, 1 / 50), 3) else rexp(n, 1 / 10)
  if (kind == 2) { k <- sample(n, min(n, 4)); time[k[-1]] <- time[k[1]] * (1 + c(1e-12, 5e-10, 1e-9)[seq_along(k[-1])]) }
  status <- rbinom(n, 1, runif(1, 0.3, 0.95))
  grp <- sample(c("a", "b", "c")[1:sample(2:3, 1)], n, replace = TRUE)
  if (length(unique(grp)) < 2) grp[1:2] <- c("a", "b")
  st <- sample(1:2, n, replace = TRUE)
  d <- data.frame(id = id, time = time, status = status, grp = grp, st = st)
  rows[[id]] <- sprintf("%d,%.17g,%d,%s,%d", id, time, status, grp, st)
  d <- read.csv(text = c("id,time,status,grp,st", rows[[id]]))  # analyse exactly what the CSV holds
  ct <- cts[id %% 3 + 1]
  fit <- survfit(Surv(time, status) ~ grp, data = d, conf.type = ct)
  tab <- summary(fit)$table
  tau <- as.numeric(quantile(d$time, 0.7)) + 0.5
  rm <- summary(fit, rmean = tau)$table
  for (g in sort(unique(grp))) {
    lab <- paste0("grp=", g)
    f <- fit[lab]
    an <- paste0("km_", g, "_", ct)
    put(id, an, "time", f$time); put(id, an, "n.risk", f$n.risk); put(id, an, "n.event", f$n.event)
    put(id, an, "surv", f$surv); put(id, an, "std.err", f$std.err); put(id, an, "lower", f$lower); put(id, an, "upper", f$upper)
    put(id, an, "median", tab[lab, "median"]); put(id, an, "median_lcl", tab[lab, 8]); put(id, an, "median_ucl", tab[lab, 9])
    q <- quantile(f, c(0.25, 0.5, 0.75))
    put(id, an, "q", q$quantile); put(id, an, "q_lower", q$lower); put(id, an, "q_upper", q$upper)
    put(id, an, "rmst_tau", tau); put(id, an, "rmst", rm[lab, "rmean"]); put(id, an, "rmst_se", rm[lab, "se(rmean)"])
  }
  for (rho in c(0, 1, 0.5)) {
    if (sum(status) == 0) next
    sd <- survdiff(Surv(time, status) ~ grp + strata(st), data = d, rho = rho)
    an <- paste0("survdiff_rho", rho)
    put(id, an, "chisq", sd$chisq); put(id, an, "obs", rowSums(sd$obs)); put(id, an, "exp", rowSums(sd$exp))
  }
}
writeLines(c("id,time,status,grp,st", unlist(rows)), "random_data.csv")
writeLines(c("id\tanalysis\tquantity\tvalue", out), "random_oracles.tsv")
