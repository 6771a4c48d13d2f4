package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/admit-idp/admit/storage"
)

const walletColumns = `namespace, address, chain_ref, user_id, created_at`

// codeForeignKeyViolation: the referenced user does not exist.
const codeForeignKeyViolation = "23503"

// CreateUserWithWallet implements storage.Wallets in one transaction.
func (s *Store) CreateUserWithWallet(ctx context.Context, u storage.User, w storage.Wallet) error {
	w.UserID = u.ID
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		return insertWallet(ctx, tx, w)
	})
	return wrap("create user with wallet", err)
}

func insertWallet(ctx context.Context, db execer, w storage.Wallet) error {
	_, err := db.Exec(ctx, `INSERT INTO wallets (`+walletColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		w.Namespace, w.Address, w.ChainRef, w.UserID, w.CreatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == codeForeignKeyViolation {
		return errNoSuch("user")
	}
	return err
}

// LinkWallet implements storage.Wallets.
func (s *Store) LinkWallet(ctx context.Context, w storage.Wallet) error {
	return wrap("link wallet", insertWallet(ctx, s.pool, w))
}

// GetWallet implements storage.Wallets.
func (s *Store) GetWallet(ctx context.Context, namespace, address string) (storage.Wallet, error) {
	// Ethereum addresses match whatever their case (wallets_eip155_lower,
	// migration 0014); Solana's base58 is case-sensitive.
	q := `SELECT ` + walletColumns + ` FROM wallets WHERE namespace = $1 AND address = $2`
	if namespace == "eip155" {
		q = `SELECT ` + walletColumns + ` FROM wallets WHERE namespace = 'eip155' AND lower(address) = lower($2) AND $1 = 'eip155'`
	}
	w, err := scanWallet(s.pool.QueryRow(ctx, q, namespace, address))
	return w, wrap("get wallet", err)
}

// ListUserWallets implements storage.Wallets.
func (s *Store) ListUserWallets(ctx context.Context, userID string) ([]storage.Wallet, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+walletColumns+` FROM wallets
		WHERE user_id = $1 ORDER BY created_at, namespace, address`, userID)
	if err != nil {
		return nil, wrap("list wallets", err)
	}
	defer rows.Close()
	var out []storage.Wallet
	for rows.Next() {
		w, err := scanWallet(rows)
		if err != nil {
			return nil, wrap("list wallets", err)
		}
		out = append(out, w)
	}
	return out, wrap("list wallets", rows.Err())
}

// UnlinkWallet implements storage.Wallets.
func (s *Store) UnlinkWallet(ctx context.Context, userID, namespace, address string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM wallets WHERE user_id = $1 AND namespace = $2 AND address = $3`,
		userID, namespace, address)
	if err == nil && tag.RowsAffected() == 0 {
		err = errNoSuch("wallet")
	}
	return wrap("unlink wallet", err)
}

func scanWallet(r row) (storage.Wallet, error) {
	var w storage.Wallet
	err := r.Scan(&w.Namespace, &w.Address, &w.ChainRef, &w.UserID, utc(&w.CreatedAt))
	return w, err
}
