"""The weekly digest: one e-mail per member each Monday 08:00 in the team's time zone,
built from the same selectors as the pages (goals.selectors.dashboard, the conversation
health selector, metrics.selectors for the people waiting)."""
