-- Lazarus's inventory store lives beside Temporal's databases in the compose stack.
-- Change the password for anything but a laptop.
CREATE ROLE lazarus LOGIN PASSWORD 'lazarus';
CREATE DATABASE lazarus OWNER lazarus;
