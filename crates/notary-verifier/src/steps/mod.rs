//! The validations of [`crate::NotaryVerifier`], one module per step, in notation's order.

pub(crate) mod authenticity;
pub(crate) mod plugin;
pub(crate) mod target;
pub(crate) mod timestamp;

/// The result of a step before its action is applied: `Err` holds the reason and, when there is
/// one, the error behind it.
pub(crate) type StepResult = Result<(), StepFailure>;

/// A failed step.
#[derive(Debug)]
pub(crate) struct StepFailure {
    pub(crate) reason: String,
    pub(crate) source: Option<notary_core::verify::SharedError>,
}

impl StepFailure {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            reason: reason.into(),
            source: Some(std::sync::Arc::new(source)),
        }
    }
}

impl From<String> for StepFailure {
    fn from(reason: String) -> Self {
        Self::new(reason)
    }
}

impl From<&str> for StepFailure {
    fn from(reason: &str) -> Self {
        Self::new(reason)
    }
}
