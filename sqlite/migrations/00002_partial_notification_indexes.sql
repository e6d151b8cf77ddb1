-- +goose Up
-- A personal notification has no group and a group one no user: index each
-- kind only where it is set, so an insert updates one index, not two.
DROP INDEX notifications_user;
DROP INDEX notifications_group;
CREATE INDEX notifications_user ON notifications (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX notifications_group ON notifications (group_key, id) WHERE group_key IS NOT NULL;

-- +goose Down
DROP INDEX notifications_user;
DROP INDEX notifications_group;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_group ON notifications (group_key, id);
