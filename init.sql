-- Run once per database as a PostgreSQL superuser, before the application's first start, e.g. mounted into the
-- official image as /docker-entrypoint-initdb.d/init.sql (it then runs in POSTGRES_DB).
-- pgvector is not a trusted extension: only a superuser may create it. The application's migrations also say
-- CREATE EXTENSION IF NOT EXISTS vector, which is a no-op once this has run, so the application role needs no
-- superuser rights. Tables are created by the migrations (npm run db:migrate, or automatically on start-up).
CREATE EXTENSION IF NOT EXISTS vector;
