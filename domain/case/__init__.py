"""The case core: state, events, obligations, phases and the engine that runs them."""
