"""Reports and dashboards: pure aggregation of an interview's derived rows (questions,
answers, analyses, per-answer delivery metrics) into what the pages show. No I/O here."""
