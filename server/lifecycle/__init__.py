"""The life of an interview's data after it is recorded: export and import, deletion,
retention (purge) and the owner's archive."""
