package parkmate

// DefaultPageSize is how many rows a list holds when its Page sets no Limit.
const DefaultPageSize = 50

// Page bounds a list: ids below Before (0: no bound), at most Limit rows
// (0: DefaultPageSize). Lists are newest first, so the next page starts
// below the last id of this one.
type Page struct {
	Before int64
	Limit  int
}

// Size is the most rows the page holds.
func (p Page) Size() int {
	if p.Limit <= 0 {
		return DefaultPageSize
	}
	return p.Limit
}

// BookingFilter selects bookings; zero fields do not filter. EmployeeID
// keeps the bookings of the lots that employee is assigned to.
type BookingFilter struct {
	UserID, OwnerID, EmployeeID int64
	Status                      BookingStatus
	Page
}

// ListFilter selects payments or car washes; zero fields do not filter.
// UserID is the booking's driver, OwnerID the lot's owner, EmployeeID an
// employee assigned to the lot.
type ListFilter struct {
	UserID, OwnerID, EmployeeID, BookingID int64
	Status                                 string
	Page
}

// AssignmentFilter selects assignments; zero fields do not filter.
type AssignmentFilter struct {
	OwnerID, EmployeeID, LotID int64
	Page
}

// Recipient is whose inbox a query reads: a user, and the groups of its
// role (GroupsOf).
type Recipient struct {
	UserID int64
	Role   Role
}

// InboxQuery selects inbox items: with HasSince, the ids above Since,
// oldest first; otherwise the ids below Before, newest first.
type InboxQuery struct {
	Since    int64
	HasSince bool
	Page
}
