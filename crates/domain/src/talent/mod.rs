//! Digital talent: HR returns per organisation, region and period, the
//! DGAFP movement rates, vacancy and outsourcing, their dispersion across
//! ministries with alerts, and the salary reference grid. Facts and
//! definitions: `shared/reference/cloud-talents-relance.md` part B ("CTR
//! §B.n"). Every function here is pure.

pub mod dispersion;
pub mod hr_return;
pub mod rates;
pub mod salary;
