package parking

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"parkmate"
	"parkmate/sqlstore"
)

// Limits of the service publishing API.
const (
	MaxPublishUsers   = 10_000
	MaxMessageRunes   = 2_000
	MaxPublishGroups  = 16
	MaxPublishDataLen = 16 << 10
)

var eventName = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)

// PublishRequest is a notification another service sends to users and
// groups: "all", "role:driver|owner|employee|admin" (one stored row each)
// or "lot:<id>:staff" (the lot's owner and employees, one row each).
type PublishRequest struct {
	UserIDs []int64
	Groups  []string
	Type    parkmate.Level
	Message string
	Event   string
	Data    json.RawMessage
}

func (r *PublishRequest) validate() error {
	switch {
	case len(r.UserIDs) == 0 && len(r.Groups) == 0:
		return invalid("Give user_ids or groups.")
	case len(r.UserIDs) > MaxPublishUsers:
		return invalid("At most %d user_ids per call.", MaxPublishUsers)
	case len(r.Groups) > MaxPublishGroups:
		return invalid("At most %d groups per call.", MaxPublishGroups)
	case !r.Type.Valid():
		return invalid("type must be success, error, warning or info.")
	case strings.TrimSpace(r.Message) == "" || utf8.RuneCountInString(r.Message) > MaxMessageRunes:
		return invalid("message must have 1 to %d characters.", MaxMessageRunes)
	case r.Event != "" && (len(r.Event) > 64 || !eventName.MatchString(r.Event)):
		return invalid("event must be a dotted lower-case name of at most 64 characters.")
	case len(r.Data) > MaxPublishDataLen:
		return invalid("data must be at most %d bytes.", MaxPublishDataLen)
	}
	if len(r.Data) > 0 && string(r.Data) != "null" {
		var obj map[string]any
		if err := json.Unmarshal(r.Data, &obj); err != nil {
			return invalid("data must be a JSON object.")
		}
	} else {
		r.Data = nil
	}
	return nil
}

// Publish stores a notification for each user and group of req and
// returns the ids, in the order of user_ids then groups.
func (s *Service) Publish(ctx context.Context, req PublishRequest) ([]int64, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.db.Update(ctx, func(tx *sqlstore.Tx) error {
		userIDs := slices.Clone(req.UserIDs)
		var groups []string
		for _, g := range req.Groups {
			members, stored, err := s.resolveGroup(tx, g)
			if err != nil {
				return err
			}
			userIDs = append(userIDs, members...)
			if stored != "" {
				groups = append(groups, stored)
			}
		}
		exists, err := tx.ExistingUsers(userIDs)
		if err != nil {
			return err
		}
		notes := make([]parkmate.Notification, 0, len(userIDs)+len(groups))
		for _, id := range userIDs {
			if !exists[id] {
				return parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "unknown_user", "User %d does not exist.", id)
			}
			notes = append(notes, parkmate.Notification{UserID: id, Type: req.Type, Message: req.Message, Event: req.Event, Data: req.Data})
		}
		for _, g := range groups {
			notes = append(notes, parkmate.Notification{GroupKey: g, Type: req.Type, Message: req.Message, Event: req.Event, Data: req.Data})
		}
		out, err := tx.AddNotifications(notes)
		for _, n := range out {
			ids = append(ids, n.ID)
		}
		return err
	})
	return ids, err
}

// resolveGroup returns a group's members to notify one by one, or the key
// of the one stored row that reaches them all.
func (s *Service) resolveGroup(tx *sqlstore.Tx, g string) (members []int64, stored string, err error) {
	if g == parkmate.GroupAll {
		return nil, g, nil
	}
	if r, ok := strings.CutPrefix(g, "role:"); ok && parkmate.Role(r).Valid() {
		return nil, g, nil
	}
	if rest, ok := strings.CutPrefix(g, "lot:"); ok {
		if idText, ok := strings.CutSuffix(rest, ":staff"); ok {
			id, err := strconv.ParseInt(idText, 10, 64)
			if err == nil && id > 0 {
				owner, err := tx.LotOwner(id)
				if parkmate.ErrorKind(err) == parkmate.ENOTFOUND {
					return nil, "", parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "unknown_group", "Lot %d does not exist.", id)
				}
				if err != nil {
					return nil, "", err
				}
				staff, err := tx.Assignments(sqlstore.AssignmentFilter{LotID: id, Page: sqlstore.Page{Limit: 10_000}})
				if err != nil {
					return nil, "", err
				}
				members = append(members, owner)
				for _, a := range staff {
					members = append(members, a.EmployeeID)
				}
				return members, "", nil
			}
		}
	}
	return nil, "", parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "unknown_group",
		"%s", fmt.Sprintf("Unknown group %q: use all, role:<role> or lot:<id>:staff.", g))
}
