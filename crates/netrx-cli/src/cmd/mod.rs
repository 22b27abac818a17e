//! One module per subcommand. Each defines `Args` (clap) and `run(Args)`, and
//! does nothing but read inputs, call the library, and print.

pub mod assess;
pub mod audit;
pub mod backup;
pub mod cds_client;
pub mod compare;
pub mod cox;
pub mod ctcae;
pub mod cutpoint;
pub mod dose;
pub mod forest;
pub mod grade;
pub mod import_fhir;
pub mod km;
pub mod logrank;
pub mod nma;
pub mod pk;
pub mod qol;
pub mod recist;
pub mod reconstruct;
pub mod restore;
pub mod schema;
pub mod serve;
pub mod simulate;
pub mod survreg;
pub mod tox;
pub mod trials;
pub mod user;
