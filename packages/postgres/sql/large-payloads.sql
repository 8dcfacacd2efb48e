-- liteorm: the table behind open({ largePayloads: 'table' }).
--
-- A notification payload of 8000 bytes or more is stored here, in the
-- sender's transaction, and the notification carries the row's key; a
-- listener reads the row back and hands out the original payload. Rows are
-- never updated, and deleted only once past `expires_at` (the sender's
-- largePayloadRetentionMs, default one hour), by liteorm.expire_large_payloads().
--
-- Apply once per database, with installLargePayloads(db) or with psql
-- (psql -f node_modules/@liteorm/postgres/sql/large-payloads.sql). Safe to
-- run again: every statement is idempotent. Needs the right to create a
-- schema; senders then need INSERT and DELETE (the expiry runs as its
-- caller) and listeners SELECT on the table.

create schema if not exists liteorm;

create table if not exists liteorm.large_payloads (
  id         bigint generated always as identity primary key,
  channel    text not null,
  payload    text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create index if not exists large_payloads_expires_at on liteorm.large_payloads (expires_at);

-- Deletes up to 10 000 expired rows, skipping rows another call is deleting,
-- and returns how many it deleted. Senders call it now and then; a scheduler
-- (pg_cron) may call it too.
create or replace function liteorm.expire_large_payloads() returns bigint
language sql as $$
  with gone as (
    delete from liteorm.large_payloads
    where id in (
      select id from liteorm.large_payloads
      where expires_at < now()
      order by expires_at
      limit 10000
      for update skip locked
    )
    returning 1
  )
  select count(*) from gone
$$;
