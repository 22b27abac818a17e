# Oracle for netrx-stats' network meta-analysis on the Senn et al. (2013) diabetes network
# (senn2013.csv; see README.md for the source).
#
# Independent implementation: R's metafor (Debian r-cran-metafor 3.8-1), rma.mv() — generalised
# least squares on the contrasts with the exact within-study covariance of the three-arm study
# (Willms 1999), which is what netmeta's graph-theoretical method reproduces by reweighting.
#
#   Rscript gen_senn2013_oracle.R > senn2013_oracle.tsv
#
# Writes key<TAB>value rows (%.12g):
#   fe.<t1>.<t2>.te / .se        fixed-effect NMA estimate of t1 vs t2 (all ordered pairs)
#   fe.Q, fe.df                  Q of the consistency model (rma.mv's QE) and its df
#   dl.tau2                      generalised DerSimonian-Laird tau^2 (Jackson 2012; the netmeta
#                                formula tr((I - H)(BB' o E / 2) W), written here as matrices)
#   re.<t1>.<t2>.te / .se        random-effects estimates given dl.tau2 (rma.mv with tau^2 added to
#                                every contrast variance and tau^2/2 to the covariance of contrasts
#                                sharing an arm, i.e. netmeta's additive model)
#   fe.pscore.<t>, re.pscore.<t> P-scores (smaller effects better: a larger HbA1c fall is better)
#   within.Q, within.df          sum over designs with >= 2 studies of metafor::rma(method = "FE")$QE
#   dl2.tau2                     pairwise check: rma(method = "DL") tau^2 on the rosi:plac studies
suppressPackageStartupMessages(library(metafor))
d <- read.csv("senn2013.csv", stringsAsFactors = FALSE)
trts <- sort(unique(c(d$treat1, d$treat2)))
n <- length(trts)
ref <- "plac"
basic <- setdiff(trts, ref)

# Basic contrasts per study (treat1 vs treat2 for two-arm studies; each arm vs placebo for the
# three-arm study) with their covariance matrix.
rows <- list(); Vblocks <- list()
for (s in unique(d$study)) {
  x <- d[d$study == s, ]
  if (nrow(x) == 1) {
    rows[[length(rows) + 1]] <- data.frame(study = s, t1 = x$treat1, t2 = x$treat2, y = x$te)
    Vblocks[[length(Vblocks) + 1]] <- matrix(x$se^2)
  } else {
    arms <- sort(unique(c(x$treat1, x$treat2)))
    v <- function(a, b) { r <- x[(x$treat1 == a & x$treat2 == b) | (x$treat1 == b & x$treat2 == a), ]; r$se^2 }
    e <- function(a, b) { r <- x[x$treat1 == a & x$treat2 == b, ]; if (nrow(r)) r$te else -x[x$treat1 == b & x$treat2 == a, ]$te }
    base <- if (ref %in% arms) ref else arms[1]
    others <- setdiff(arms, base)
    # Arm variances from the pairwise variances: s_b^2 = (v(o1,b) + v(o2,b) - v(o1,o2)) / 2.
    sb <- (v(others[1], base) + v(others[2], base) - v(others[1], others[2])) / 2
    V <- matrix(sb, length(others), length(others))
    for (k in seq_along(others)) V[k, k] <- v(others[k], base)
    for (k in seq_along(others))
      rows[[length(rows) + 1]] <- data.frame(study = s, t1 = others[k], t2 = base, y = e(others[k], base))
    Vblocks[[length(Vblocks) + 1]] <- V
  }
}
dd <- do.call(rbind, rows)
V <- as.matrix(Matrix::bdiag(Vblocks))
X <- sapply(basic, function(t) (dd$t1 == t) - (dd$t2 == t))
colnames(X) <- basic

out <- function(k, v) cat(sprintf("%s\t%.12g\n", k, v))

pairs_out <- function(prefix, fit) {
  b <- c(0, coef(fit)); names(b) <- c(ref, basic)
  C <- matrix(0, n, n, dimnames = list(c(ref, basic), c(ref, basic)))
  C[basic, basic] <- vcov(fit)
  for (a in trts) for (bb in trts) if (a != bb) {
    out(sprintf("%s.%s.%s.te", prefix, a, bb), b[a] - b[bb])
    out(sprintf("%s.%s.%s.se", prefix, a, bb), sqrt(C[a, a] + C[bb, bb] - 2 * C[a, bb]))
  }
  for (a in trts) {
    ps <- mean(sapply(setdiff(trts, a), function(bb)
      pnorm((b[bb] - b[a]) / sqrt(C[a, a] + C[bb, bb] - 2 * C[a, bb]))))
    out(sprintf("%s.pscore.%s", prefix, a), ps)
  }
}

fe <- rma.mv(dd$y, V, mods = X, intercept = FALSE, method = "FE")
pairs_out("fe", fe)
out("fe.Q", fe$QE)
df <- sum(tapply(c(d$treat1, d$treat2), rep(d$study, 2), function(z) length(unique(z)) - 1)) - (n - 1)
out("fe.df", df)

# Generalised DL tau^2 with netmeta's pairwise coding (all pairwise contrasts, Rücker-adjusted
# weights for the three-arm study), written with explicit matrices.
B <- t(sapply(seq_len(nrow(d)), function(i) (trts == d$treat1[i]) - (trts == d$treat2[i])))
w <- 1 / d$se^2
for (s in unique(d$study)) {
  idx <- which(d$study == s)
  if (length(idx) > 1) {
    arms <- sort(unique(c(d$treat1[idx], d$treat2[idx]))); p <- length(arms)
    R <- matrix(0, p, p, dimnames = list(arms, arms))
    for (i in idx) { R[d$treat1[i], d$treat2[i]] <- R[d$treat2[i], d$treat1[i]] <- d$se[i]^2 }
    J <- matrix(1, p, p); Cc <- diag(p) - J / p
    L <- solve(-0.5 * Cc %*% R %*% Cc - J / p) + J / p
    dimnames(L) <- list(arms, arms)
    for (i in idx) w[i] <- -L[d$treat1[i], d$treat2[i]]
  }
}
W <- diag(w)
Lap <- t(B) %*% W %*% B
Jn <- matrix(1, n, n)
Lplus <- solve(Lap - Jn / n) + Jn / n
H <- B %*% Lplus %*% t(B) %*% W
E <- outer(d$study, d$study, "==") * 1
te <- d$te
v <- H %*% te
Q <- as.numeric(t(te - v) %*% W %*% (te - v))
out("graph.Q", Q)
tau2 <- max(0, (Q - df) / sum(diag((diag(nrow(d)) - H) %*% (B %*% t(B) * E / 2) %*% W)))
out("dl.tau2", tau2)

# Random effects given tau^2: tau^2 on every contrast variance, tau^2/2 between contrasts of one
# study that share their baseline arm.
Vre <- V
off <- 0
for (b in Vblocks) {
  k <- nrow(b); i <- off + seq_len(k)
  Vre[i, i] <- Vre[i, i] + tau2 / 2
  diag(Vre)[i] <- diag(Vre)[i] + tau2 / 2
  off <- off + k
}
re <- rma.mv(dd$y, Vre, mods = X, intercept = FALSE, method = "FE")
pairs_out("re", re)

# Within-design heterogeneity: designs with >= 2 studies (all two-arm here).
design <- sapply(seq_len(nrow(dd)), function(i) paste(sort(c(dd$t1[i], dd$t2[i])), collapse = ":"))
two <- dd[!(dd$study %in% d$study[duplicated(d$study)]), ]
des2 <- design[!(dd$study %in% d$study[duplicated(d$study)])]
qw <- 0; dfw <- 0
for (g in unique(des2)) {
  x <- two[des2 == g, ]
  if (nrow(x) >= 2) {
    # orient every study the same way
    y <- ifelse(x$t1 == sort(c(x$t1[1], x$t2[1]))[1], x$y, -x$y)
    se <- sapply(seq_len(nrow(x)), function(i) d$se[d$study == x$study[i]])
    f <- rma(y, sei = se, method = "FE")
    qw <- qw + f$QE; dfw <- dfw + nrow(x) - 1
  }
}
out("within.Q", qw)
out("within.df", dfw)

x <- d[d$treat1 == "rosi" & d$treat2 == "plac", ]
out("dl2.tau2", rma(x$te, sei = x$se, method = "DL")$tau2)
