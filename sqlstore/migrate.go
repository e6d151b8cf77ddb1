package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Migrate applies the migrations under dir of fsys to db with goose.
func Migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, fsys fs.FS, dir string, opts ...goose.ProviderOption) error {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db, sub, opts...)
	if err != nil {
		return fmt.Errorf("%s migrations: %w", dialect, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("%s migrate: %w", dialect, err)
	}
	return nil
}
