# Extra oracles for netrx-stats Cox / cox.zph / survreg tests, beyond ../shared/oracles:
# weights, offsets, clusters, factors, singular columns, separation, Breslow baseline hazard,
# zph with log transform / Breslow / strata, survreg quantiles, restricted means and weights,
# and a Gompertz fit (flexsurv parameterisation) by R's own optimiser.
# Run (R 4.2.2, survival 3.5-3, Debian r-cran-survival):
#   Rscript cox_survreg_extra_oracles.R > cox_survreg_extra_oracles.tsv
suppressMessages(library(survival))
lung <- read.csv("lung.csv")
rossi <- read.csv("rossi.csv")
out <- function(analysis, quantity, value) {
  for (i in seq_along(value)) {
    q <- if (length(value) > 1) sprintf("%s[%s]", quantity, if (is.null(names(value))) i else names(value)[i]) else quantity
    cat(analysis, "\t", q, "\t", if (is.na(value[i])) "NA" else sprintf("%.12g", value[i]), "\n", sep = "")
  }
}
cat("analysis\tquantity\tvalue\n")
cox_out <- function(a, fit) {
  s <- summary(fit)
  out(a, "coef", coef(fit))
  out(a, "se", sqrt(diag(fit$naive.var %||% fit$var)))
  if (!is.null(fit$naive.var)) out(a, "robust_se", sqrt(diag(fit$var)))
  out(a, "loglik_null", fit$loglik[1]); out(a, "loglik", fit$loglik[2])
  out(a, "lr_chisq", s$logtest[["test"]]); out(a, "wald_chisq", fit$wald.test)
  out(a, "score_chisq", s$sctest[["test"]])
  if (!is.null(fit$rscore)) out(a, "robust_score_chisq", fit$rscore)
  out(a, "concordance", fit$concordance[["concordance"]]); out(a, "concordance_se", fit$concordance[["std"]])
  out(a, "n", fit$n); out(a, "nevent", fit$nevent); out(a, "iter", fit$iter)
}
`%||%` <- function(a, b) if (is.null(a)) b else a

lung$wt <- 1 + (lung$age %% 3) / 2
cox_out("lung_weights_efron", coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, weights = wt, robust = FALSE))
cox_out("lung_weights_efron_robust", coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, weights = wt, robust = TRUE))
cox_out("lung_weights_breslow", coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, weights = wt, ties = "breslow", robust = FALSE))
lung$off <- 0.3 * lung$ph.ecog
cox_out("lung_offset_efron", coxph(Surv(time, status) ~ age + sex + offset(off), lung))
cox_out("lung_cluster_inst_efron", coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, cluster = inst))
cox_out("rossi_strata_race_breslow_robust", coxph(Surv(week, arrest) ~ fin + age + prio + strata(race), rossi, ties = "breslow", robust = TRUE))
lung$age_sex <- lung$age + lung$sex
cox_out("lung_collinear_efron", coxph(Surv(time, status) ~ age + sex + age_sex, lung))
f <- coxph(Surv(time, status) ~ age + factor(ph.ecog), lung)
cox_out("lung_factor_ecog_efron", f)
for (tr in c("km", "log")) {
  z <- cox.zph(f, transform = tr)$table
  out(paste0("lung_factor_ecog_efron:zph_", tr), "chisq", setNames(z[, "chisq"], rownames(z)))
  out(paste0("lung_factor_ecog_efron:zph_", tr), "df", setNames(z[, "df"], rownames(z)))
}
fb <- coxph(Surv(week, arrest) ~ fin + age + prio, rossi, ties = "breslow")
z <- cox.zph(fb)$table; out("rossi_breslow3:zph_km", "chisq", setNames(z[, "chisq"], rownames(z)))
cox_out("rossi_breslow3", fb)
fs <- coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), lung)
z <- cox.zph(fs, transform = "rank")$table; out("lung_strata_sex:zph_rank", "chisq", setNames(z[, "chisq"], rownames(z)))
bh <- basehaz(fb, centered = FALSE)
out("rossi_breslow3:basehaz", "time", bh$time[c(1, 10, 20, 49)]); out("rossi_breslow3:basehaz", "hazard", bh$hazard[c(1, 10, 20, 49)])
# separation: x perfectly predicts order of events
sep <- data.frame(time = c(1, 2, 3, 4, 5, 6), status = c(1, 1, 1, 1, 1, 0), x = c(1, 1, 1, 0, 0, 0))
fsep <- suppressWarnings(coxph(Surv(time, status) ~ x, sep))
out("separation", "loglik", fsep$loglik[2]); out("separation", "iter", fsep$iter)
out("separation", "coef", coef(fsep)); out("separation", "loglik_null", fsep$loglik[1])

# survreg: quantiles and restricted means at the covariate means, weights
m <- data.frame(age = mean(lung$age), sex = mean(lung$sex))
for (d in c("weibull", "exponential", "lognormal", "loglogistic")) {
  fit <- survreg(Surv(time, status) ~ age + sex, lung, dist = d)
  a <- paste0("survreg_", d)
  out(a, "quantile", setNames(predict(fit, newdata = m, type = "quantile", p = c(0.25, 0.5)), c("0.25", "0.5")))
  lp <- predict(fit, newdata = m, type = "lp")
  rm <- integrate(function(t) 1 - psurvreg(t, mean = lp, scale = fit$scale, distribution = d), 0, 365, rel.tol = 1e-12)$value
  out(a, "rmst365", rm)
}
fw <- survreg(Surv(time, status) ~ age + sex, lung, dist = "weibull", weights = wt)
out("survreg_weibull_weights", "coef", coef(fw)); out("survreg_weibull_weights", "scale", fw$scale)
out("survreg_weibull_weights", "loglik", fw$loglik[2]); out("survreg_weibull_weights", "se", sqrt(diag(vcov(fw))))

# Gompertz, flexsurv parameterisation: h(t) = b exp(a t), log b = b0 + b1 age + b2 sex.
y <- lung$time; d <- lung$status == 2; X <- cbind(1, lung$age, lung$sex)
nll <- function(th) { b <- exp(drop(X %*% th[1:3])); a <- th[4]
  H <- if (abs(a) < 1e-10) b * y else b / a * expm1(a * y)
  -sum(d * (log(b) + a * y) - H) }
st <- c(log(sum(d) / sum(y)), 0, 0, 0)
o <- optim(st, nll, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000, parscale = c(1, 0.01, 0.1, 0.001)))
o2 <- nlm(nll, o$par, gradtol = 1e-12, steptol = 1e-14, iterlim = 1000)
# gradient of the negative log-likelihood (dl/d log b = d - H, dl/da = d t - b dq/da), so that
# optimHess differentiates an analytic gradient once (more accurate than second differences)
ngr <- function(th) { b <- exp(drop(X %*% th[1:3])); a <- th[4]
  q <- expm1(a * y) / a; qa <- (y * exp(a * y) - q) / a
  -c(colSums((d - b * q) * X), sum(d * y - b * qa)) }
H <- optimHess(o2$estimate, nll, ngr, control = list(ndeps = c(1e-6, 1e-8, 1e-7, 1e-9)))
out("gompertz_age_sex", "estimate", setNames(o2$estimate, c("(Intercept)", "age", "sex", "shape")))
out("gompertz_age_sex", "se", setNames(sqrt(diag(solve(H))), c("(Intercept)", "age", "sex", "shape")))
out("gompertz_age_sex", "loglik", -o2$minimum)

# cox.zph plotting data: transformed times x and scaled Schoenfeld residuals y (first rows)
z <- cox.zph(coxph(Surv(time, status) ~ age + sex + ph.ecog, lung))
out("lung_zph_km_resid", "time", z$time[1:5]); out("lung_zph_km_resid", "x", z$x[1:5])
for (j in colnames(z$y)) out("lung_zph_km_resid", paste0("y_", j), unname(z$y[1:5, j]))
z <- cox.zph(f)   # age + factor(ph.ecog)
for (j in colnames(z$y)) out("lung_factor_zph_km_resid", paste0("y_", j), unname(z$y[1:5, j]))
z <- cox.zph(fs, transform = "rank")   # age + ph.ecog + strata(sex)
out("lung_strata_zph_rank_resid", "x", z$x[1:5])
for (j in colnames(z$y)) out("lung_strata_zph_rank_resid", paste0("y_", j), unname(z$y[1:5, j]))
