package sqlstore

import "strconv"

// idIn is the predicate "col is one of a list of ids" whose one argument
// is idList's: a statement whose text does not depend on the list's
// length, so that it is prepared once, and one argument however long the
// list.
func (tx *Tx) idIn(col string) string {
	if tx.db.dialect.Name == "postgres" {
		return col + ` = ANY(?::bigint[])`
	}
	return col + ` IN (SELECT value FROM json_each(?))`
}

// idList is ids as the one argument of idIn or of a statement that reads
// them as a table (json_each on SQLite, unnest on PostgreSQL): a JSON
// array, or a PostgreSQL array literal.
func (tx *Tx) idList(ids []int64) string {
	open, close := byte('['), byte(']')
	if tx.db.dialect.Name == "postgres" {
		open, close = '{', '}'
	}
	b := make([]byte, 0, 2+8*len(ids))
	b = append(b, open)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, close))
}
