# Extra oracles for netrx-stats part A (KM, summaries, quantiles, RMST, survdiff, maxstat).
# Run from this directory with R 4.2.2 + survival 3.5-3 + maxstat 0.7-25 (Debian bookworm:
#   apt-get install r-cran-survival r-cran-maxstat):
#   Rscript gen_extra_oracles.R > extra_oracles.tsv
# Writes one value per line: dataset, analysis, quantity, value (%.15g; NA for NA, Inf for Inf).
suppressMessages({library(survival); library(maxstat)})
lung <- read.csv("lung.csv"); rossi <- read.csv("rossi.csv"); waltons <- read.csv("waltons.csv")
veteran <- survival::veteran
write.csv(veteran, "veteran.csv", row.names = FALSE)
veteran <- read.csv("veteran.csv")
cat("dataset\tanalysis\tquantity\tvalue\n")
out <- function(ds, an, q, v) {
  for (i in seq_along(v)) {
    nm <- if (length(v) > 1) sprintf("%s[%d]", q, i) else q
    val <- v[i]
    s <- if (is.na(val) && !is.nan(val)) "NA" else if (is.nan(val)) "NaN" else if (is.infinite(val)) (if (val > 0) "Inf" else "-Inf") else sprintf("%.15g", val)
    cat(ds, "\t", an, "\t", nm, "\t", s, "\n", sep = "")
  }
}
# full curve (every distinct time) of a single survfit
curve <- function(ds, an, fit) {
  out(ds, an, "time", fit$time); out(ds, an, "n.risk", fit$n.risk); out(ds, an, "n.event", fit$n.event)
  out(ds, an, "n.censor", fit$n.censor); out(ds, an, "surv", fit$surv); out(ds, an, "std.err", fit$std.err)
  out(ds, an, "lower", fit$lower); out(ds, an, "upper", fit$upper)
}
summ <- function(ds, an, fit, times) {
  s <- summary(fit, times = times)
  out(ds, an, "time", s$time); out(ds, an, "n.risk", s$n.risk); out(ds, an, "n.event", s$n.event)
  out(ds, an, "n.censor", s$n.censor); out(ds, an, "surv", s$surv); out(ds, an, "std.err", s$std.err)
  out(ds, an, "lower", s$lower); out(ds, an, "upper", s$upper)
}
tab <- function(ds, an, fit) {
  t <- summary(fit)$table
  if (is.matrix(t)) stop("single curve only")
  out(ds, an, "n", t["n.max"]); out(ds, an, "events", t["events"]); out(ds, an, "median", t["median"])
  out(ds, an, "median_lcl", t[8]); out(ds, an, "median_ucl", t[9])
}
quants <- function(ds, an, fit, p) {
  q <- quantile(fit, p)
  out(ds, an, "p", p); out(ds, an, "quantile", q$quantile); out(ds, an, "lower", q$lower); out(ds, an, "upper", q$upper)
}

# --- lung: summaries at chosen times (incl. before the first time, between times, beyond the last)
for (ct in c("log", "log-log", "plain")) {
  fit <- survfit(Surv(time, status) ~ 1, data = lung, conf.type = ct)
  summ("lung", paste0("summary_times_", ct), fit, c(0, 5, 100, 200.5, 365, 1022, 1100))
  curve("lung", paste0("curve_", ct), fit)
  quants("lung", paste0("quantile_", ct), fit, c(0.1, 0.25, 0.5, 0.75, 0.9))
}
for (s in 1:2) {
  fit <- survfit(Surv(time, status) ~ 1, data = lung[lung$sex == s, ], conf.type = "log-log")
  summ("lung", paste0("summary_sex", s, "_log-log"), fit, c(100, 365, 730))
}
# --- RMST: within follow-up, at an event time, beyond the last time
fit <- survfit(Surv(time, status) ~ 1, data = lung)
for (tau in c(500, 310, 1100)) {
  r <- summary(fit, rmean = tau)$table
  out("lung", paste0("rmst_overall_tau", tau), "rmean", r["rmean"]); out("lung", paste0("rmst_overall_tau", tau), "se", r["se(rmean)"])
}
# --- veteran: midpoint medians, factor groups
for (tr in 1:2) {
  fit <- survfit(Surv(time, status) ~ 1, data = veteran[veteran$trt == tr, ])
  tab("veteran", paste0("km_trt", tr), fit)
  quants("veteran", paste0("quantile_trt", tr), fit, c(0.25, 0.5, 0.75))
}
for (ct in c("adeno", "large", "smallcell", "squamous")) {
  fit <- survfit(Surv(time, status) ~ 1, data = veteran[veteran$celltype == ct, ])
  tab("veteran", paste0("km_celltype_", ct), fit)
}
# --- waltons by group
for (g in c("control", "miR-137")) {
  fit <- survfit(Surv(T, E) ~ 1, data = waltons[waltons$group == g, ])
  tab("waltons", paste0("km_", g), fit)
}
sd <- survdiff(Surv(T, E) ~ group, data = waltons)
out("waltons", "logrank_group", "chisq", sd$chisq); out("waltons", "logrank_group", "obs", sd$obs); out("waltons", "logrank_group", "exp", sd$exp)

# --- small edge cases
edge <- list(
  uncens4 = data.frame(time = c(1, 2, 3, 4), status = c(1, 1, 1, 1)),
  flatend = data.frame(time = c(1, 2, 3, 4), status = c(1, 1, 0, 0)),
  lastdies = data.frame(time = c(1, 2, 3, 3), status = c(1, 0, 1, 1)),
  lastdies2 = data.frame(time = c(1, 2, 2, 3, 4, 5), status = c(1, 1, 0, 1, 0, 1)),
  tiecens = data.frame(time = c(1, 2, 2, 2, 3, 4), status = c(1, 1, 0, 1, 1, 0)),
  neartie = data.frame(time = c(1, 1 + 1e-10, 2, 2 + 1e-9, 2 + 2e-9, 3, 3.5), status = c(1, 1, 1, 0, 1, 1, 0)),
  zero = data.frame(time = c(0, 0, 1, 2, 3), status = c(1, 0, 1, 0, 1))
)
for (nm in names(edge)) {
  d <- edge[[nm]]
  for (ct in c("log", "log-log", "plain")) {
    fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = ct)
    curve(nm, paste0("curve_", ct), fit)
    tab(nm, paste0("table_", ct), fit)
    quants(nm, paste0("quantile_", ct), fit, c(0.25, 0.5, 0.75))
  }
  r <- summary(survfit(Surv(time, status) ~ 1, data = d), rmean = 3.5)$table
  out(nm, "rmst_tau3.5", "rmean", r["rmean"]); out(nm, "rmst_tau3.5", "se", r["se(rmean)"])
}
fit <- survfit(Surv(time, status) ~ 1, data = edge$neartie, timefix = FALSE)
curve("neartie", "curve_log_notimefix", fit)

# --- survdiff variants
sdo <- function(ds, an, sd) {
  otmp <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  etmp <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  out(ds, an, "chisq", sd$chisq); out(ds, an, "df", sum(etmp > 0) - 1); out(ds, an, "p", sd$pvalue)
  out(ds, an, "n", as.vector(sd$n)); out(ds, an, "obs", otmp); out(ds, an, "exp", etmp); out(ds, an, "var_diag", diag(sd$var))
}
sdo("lung", "survdiff_sex_rho1_strata_ecog", survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = lung, rho = 1))
sdo("lung", "survdiff_sex_rho0.5", survdiff(Surv(time, status) ~ sex, data = lung, rho = 0.5))
sdo("lung", "survdiff_ecog4", survdiff(Surv(time, status) ~ ph.ecog, data = lung))
sdo("lung", "survdiff_ecog_strata_sex", survdiff(Surv(time, status) ~ ph.ecog + strata(sex), data = lung, subset = ph.ecog < 3))
sdo("veteran", "survdiff_celltype", survdiff(Surv(time, status) ~ celltype, data = veteran))
sdo("veteran", "survdiff_celltype_rho1_strata_trt", survdiff(Surv(time, status) ~ celltype + strata(trt), data = veteran, rho = 1))
sdo("rossi", "survdiff_fin_strata_wexp_mar", survdiff(Surv(week, arrest) ~ fin + strata(wexp, mar), data = rossi))

# --- maximally selected log-rank statistics (maxstat 0.7-25), Lau92 and Lau94 p-values
ms <- function(ds, an, f, data) {
  a <- maxstat.test(f, data = data, smethod = "LogRank", pmethod = "Lau92")
  b <- maxstat.test(f, data = data, smethod = "LogRank", pmethod = "Lau94")
  out(ds, an, "statistic", a$statistic); out(ds, an, "cutpoint", a$estimate)
  out(ds, an, "p_lau92", a$p.value); out(ds, an, "p_lau94", b$p.value)
}
ms("lung", "maxstat_age", Surv(time, status) ~ age, lung)
ms("lung", "maxstat_meal.cal", Surv(time, status) ~ meal.cal, lung)
ms("veteran", "maxstat_karno", Surv(time, status) ~ karno, veteran)
ms("rossi", "maxstat_prio", Surv(week, arrest) ~ prio, rossi)
ms("rossi", "maxstat_age", Surv(week, arrest) ~ age, rossi)
