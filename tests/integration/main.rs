//! End-to-end tests of the `aks-certscan` binary over the example estate in `testdata/`.

mod architecture;
mod bad_input;
mod ci_files;
mod compliance;
mod day_to_day;
mod deploy;
mod facts;
mod fleet;
mod hostile;
mod html;
mod k8s_objects;
mod live;
mod metrics;
mod pipeline;
mod policies;
mod probe;
mod reports;
mod scan;
mod secrets;
mod util;
