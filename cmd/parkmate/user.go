package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/term"

	"parkmate"
	"parkmate/auth"
)

const userUsage = `Usage:
  parkmate user add --username NAME [--role ROLE] [--db PATH_OR_URL] [--create]
      create an account of any role; the password is asked for on a
      terminal (not shown), or read from standard input, or --password

"parkmate user add --help" lists its flags.
`

const userAddUsage = `Usage: parkmate user add --username NAME [flags]

Creates an account of any role in the server's database. The password is
asked for (without echo) when standard input is a terminal, and otherwise read
as the first line of standard input, unless --password gives it. Every flag is
also an environment variable: --db is PARKMATE_DB.

Flags:
`

// userCommand runs "parkmate user ...".
func userCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(`"parkmate user" needs a command: "parkmate user add --help" says how to create an account`)
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, args[1:], stdin, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, userUsage)
		return nil
	}
	return fmt.Errorf(`unknown command "user %s": "parkmate user --help" lists the commands`, args[0])
}

// userAdd creates an account from the command line. It opens the database
// and nothing else: it signs no token, so it needs no JWT secret, and it
// creates a SQLite file only when --create says so.
func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("parkmate user add", flag.ContinueOnError)
	db := flags.String("db", "parkmate.db", "the server's database: a SQLite file, or a postgres:// URL")
	create := flags.Bool("create", false, "create the SQLite file when there is none (without it, a mistyped --db is an error)")
	username := flags.String("username", "", "the new account's username (required)")
	role := flags.String("role", "driver", "driver, owner, employee or admin")
	password := flags.String("password", "", "the password (asked for, or read from standard input, when empty)")
	cost := flags.Int("password-cost", auth.DefaultPasswordCost, "bcrypt cost of the password hash (4-31)")
	if helped, err := parseCommand(flags, args, stdout, userAddUsage); helped || err != nil {
		return err
	}
	if *username == "" {
		return errors.New("--username is required: the new account's username")
	}
	if !isPostgres(*db) && !*create {
		if _, err := os.Stat(*db); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("there is no database at %s: check --db (or PARKMATE_DB), or add --create to make a new one", *db)
		}
	}
	if *password == "" {
		p, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		*password = p
	}
	store, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	// The service signs nothing here; it needs a secret only to exist.
	svc, err := auth.New(store.AuthStore(), parkmate.SystemClock{}, nil, auth.Config{Secret: auth.Secret(rand.Text() + rand.Text()), PasswordCost: *cost})
	if err != nil {
		return err
	}
	u, err := svc.CreateUser(ctx, *username, *password, parkmate.Role(*role))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %q with id %d\n", u.Role, u.Username, u.ID)
	return nil
}

// isPostgres reports whether a --db names a PostgreSQL server rather than a
// SQLite file (as openDB decides).
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// readPassword asks for the password without echo when stdin is a
// terminal (twice, since a typo cannot be seen), and otherwise reads the
// first line of stdin.
func readPassword(stdin io.Reader, prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var typed [2]string
		for i, ask := range []string{"Password: ", "Password again: "} {
			fmt.Fprint(prompt, ask)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(prompt)
			if err != nil {
				return "", fmt.Errorf("read the password: %w", err)
			}
			typed[i] = string(b)
		}
		if typed[0] != typed[1] {
			return "", errors.New("the two passwords differ; nothing was created")
		}
		return typed[0], nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
