"""Query functions, one module per table family; each takes an ``AsyncSession``."""
