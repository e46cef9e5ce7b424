"""The processes that run jobs: worker, scheduler and outbox relay."""
