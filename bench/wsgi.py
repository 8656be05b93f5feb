"""The production app plus the benchmark's floor page (bench/floor.py):
`gunicorn … 'bench.wsgi:app'`."""
from bench.floor import add_floor
from tracker import create_app

app = add_floor(create_app())
