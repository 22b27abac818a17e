//! One module per subcommand. Each defines `Args` (clap) and `run(Args)`, and
//! does nothing but read inputs, call the library, and print.

pub mod cox;
pub mod ctcae;
pub mod dose;
pub mod audit;
pub mod backup;
pub mod assess;
pub mod grade;
pub mod compare;
pub mod forest;
pub mod trials;
pub mod qol;
pub mod recist;
pub mod restore;
pub mod serve;
pub mod user;
pub mod pk;
pub mod schema;
pub mod survreg;
pub mod tox;
pub mod km;
pub mod logrank;
pub mod cutpoint;
pub mod reconstruct;
pub mod nma;
pub mod import_fhir;
pub mod cds_client;
pub mod simulate;
