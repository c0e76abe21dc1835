// Placeholder entry point, replaced by its owner.
export {}
