from pathlib import Path

from flask import Blueprint

HERE = Path(__file__).resolve().parent

# GOV.UK Frontend's CSS refers to /assets/fonts/… and /assets/images/…: its files are served there.
bp = Blueprint(
    "web",
    __name__,
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
    static_url_path="/assets",
)
