"""HTTP route modules; ``app.web.create_app`` includes each module's ``router``."""
