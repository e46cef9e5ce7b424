# Read by the flask CLI (python-dotenv), so `flask users create …` works here without --app.
# Settings and service URLs go in .env (written by make), not here.
FLASK_APP=web:create_app
