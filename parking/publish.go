package parking

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"parkmate"
)

// Limits of the service publishing API.
const (
	MaxPublishUsers   = 10_000
	MaxMessageRunes   = 2_000
	MaxPublishGroups  = 16
	MaxPublishDataLen = 16 << 10
	// MaxIdempotencyKeyLen is the longest Idempotency-Key, in bytes.
	MaxIdempotencyKeyLen = 255
)

// IdempotencyWindow is how long the first answer to an idempotency key is
// kept; an older key counts as absent.
const IdempotencyWindow = 24 * time.Hour

// StatusAccepted is the HTTP status of a publish's first answer: stored,
// to be delivered. A replay repeats the status stored with its key.
const StatusAccepted = 202

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
	// IdempotencyKey, when not empty, makes a repeat of the request within
	// IdempotencyWindow get the first answer instead of new notifications.
	IdempotencyKey string
}

// PublishResult is the answer to a publish.
type PublishResult struct {
	// Status is StatusAccepted, or the status first answered to the key.
	Status int
	// IDs are the stored notifications, in the order of user_ids then groups.
	IDs []int64
	// Replayed is true when the answer is the one first given to the
	// request's IdempotencyKey and nothing was stored now.
	Replayed bool
}

func (r *PublishRequest) validate() error {
	switch {
	case len(r.IdempotencyKey) > MaxIdempotencyKeyLen:
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_idempotency_key",
			"Idempotency-Key must have 1 to %d characters.", MaxIdempotencyKeyLen)
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
// returns the ids, in the order of user_ids then groups. With an
// IdempotencyKey it first claims the key in the same transaction: a key
// answered within IdempotencyWindow gets that answer again (Replayed) and
// stores nothing, or fails with idempotency_key_reused when its request
// differed; concurrent calls with one key store one set of notifications.
func (s *Service) Publish(ctx context.Context, req PublishRequest) (PublishResult, error) {
	if err := req.validate(); err != nil {
		return PublishResult{}, err
	}
	var hash string
	if req.IdempotencyKey != "" {
		var err error
		if hash, err = req.hash(); err != nil {
			return PublishResult{}, err
		}
	}
	var res PublishResult
	err := s.db.Update(ctx, func(tx Tx) (err error) {
		if req.IdempotencyKey != "" {
			claimed, err := tx.ClaimIdempotencyKey(req.IdempotencyKey, hash, tx.Now().Add(-IdempotencyWindow))
			if err != nil {
				return err
			}
			if !claimed {
				res, err = replay(tx, req.IdempotencyKey, hash)
				return err
			}
		}
		res = PublishResult{Status: StatusAccepted}
		if res.IDs, err = s.publish(tx, req); err != nil {
			return err
		}
		if req.IdempotencyKey == "" {
			return nil
		}
		answer, err := json.Marshal(storedAnswer{IDs: res.IDs})
		if err != nil {
			return err
		}
		return tx.SetIdempotencyAnswer(req.IdempotencyKey, res.Status, answer)
	})
	if err != nil {
		return PublishResult{}, err
	}
	return res, nil
}

// dedupe drops repeated ids, keeping the first of each: a user named
// twice, or named and in a group, is notified once.
func dedupe(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// publish stores req's notifications in tx and returns their ids.
func (s *Service) publish(tx Tx, req PublishRequest) ([]int64, error) {
	userIDs := slices.Clone(req.UserIDs)
	named := len(userIDs)
	var groups []string
	for _, g := range req.Groups {
		members, stored, err := s.resolveGroup(tx, g)
		if err != nil {
			return nil, err
		}
		userIDs = append(userIDs, members...)
		if stored != "" {
			groups = append(groups, stored)
		}
	}
	userIDs = dedupe(userIDs)
	exists, err := tx.ExistingUsers(userIDs)
	if err != nil {
		return nil, err
	}
	notes := make([]parkmate.Notification, 0, len(userIDs)+len(groups))
	for i, id := range userIDs {
		if !exists[id] {
			if i >= named {
				continue // a member of a lot's staff whose account was deleted
			}
			return nil, parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "unknown_user", "User %d does not exist.", id)
		}
		notes = append(notes, parkmate.Notification{UserID: id, Type: req.Type, Message: req.Message, Event: req.Event, Data: req.Data})
	}
	for _, g := range groups {
		notes = append(notes, parkmate.Notification{GroupKey: g, Type: req.Type, Message: req.Message, Event: req.Event, Data: req.Data})
	}
	out, err := tx.AddNotifications(notes)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, n := range out {
		ids[i] = n.ID
	}
	return ids, nil
}

// resolveGroup returns a group's members to notify one by one, or the key
// of the one stored row that reaches them all.
func (s *Service) resolveGroup(tx Tx, g string) (members []int64, stored string, err error) {
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
				staff, err := tx.Assignments(parkmate.AssignmentFilter{LotID: id, Page: parkmate.Page{Limit: 10_000}})
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
