//! The registry of built-in adapters the `ao` binary offers.

use ao_core::plugin::Registry;

/// Every adapter this binary ships. Adapters join as they are implemented; until then a config
/// naming one validates (its name is a built-in) and using it reports it unavailable.
pub(crate) fn builtin() -> Registry {
    Registry::new()
}
