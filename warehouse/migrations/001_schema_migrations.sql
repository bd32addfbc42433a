-- grain: one row per migration file applied to this database.
-- The bookkeeping table of warehouse/db.py: a migration whose version is listed here is never run
-- again. Created by the first migration, so every later migration is recorded in it.
create table schema_migrations (
    version integer primary key,
    name varchar not null,
    applied_at timestamp not null
);

comment on table schema_migrations is 'One row per applied schema migration (warehouse/migrations/NNN_name.sql); a listed version is never applied again.';
comment on column schema_migrations.version is 'Migration number, the NNN prefix of the file name.';
comment on column schema_migrations.name is 'Migration name, the file name without number and extension.';
comment on column schema_migrations.applied_at is 'When the migration was applied to this database (local time of the loading process).';
