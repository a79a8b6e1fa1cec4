"""`make soak`: Latchkey under sustained load and faults, on gunicorn, PostgreSQL 15 and SMTP."""
