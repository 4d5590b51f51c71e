"""Exercise specifications, one module per chapter. Importing a module registers its exercises."""
