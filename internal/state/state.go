// Package state keeps what the management API writes, so that it survives restarts: records of bytes by key, each
// changed atomically by a read-modify-write. The embedded store is a bbolt file; a record is whole or absent
// after any crash, since bbolt commits a transaction with one write of its meta page. With Redis, several control
// planes share one store, and each hears of the others' changes.
package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Store is where the management API's records live.
type Store interface {
	// All is every record whose key starts with prefix, by key.
	All(ctx context.Context, prefix string) (map[string][]byte, error)
	// Get is key's record, nil when there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Update changes key's record atomically: change gets the record (nil for none) and returns the new one (nil
	// deletes it); when change fails, the record stays as it was and Update returns change's error. change may run
	// more than once (a store that lost a race with another writer runs it again on the newer record): only its
	// last run counts.
	Update(ctx context.Context, key string, change func(old []byte) ([]byte, error)) error
	Close() error
}

// A Watcher is a store other processes write to: Watch calls changed after each of their changes, until ctx is
// done.
type Watcher interface {
	Watch(ctx context.Context, changed func())
}

// bucket holds every record: keys are already namespaced ("restapis/abc"), and one bucket keeps All a range scan.
var bucket = []byte("records")

// File is the embedded store: dir/state.db, created (with dir) when absent.
type File struct {
	db *bolt.DB
}

// OpenFile opens the store in dir. A second process opening the same store waits a second for the file's lock,
// then fails saying so: bbolt allows one writer process.
func OpenFile(dir string) (*File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	path := filepath.Join(dir, "state.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("state store %s is in use by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bucket); return err }); err != nil {
		db.Close()
		return nil, fmt.Errorf("state store %s: %w", path, err)
	}
	return &File{db: db}, nil
}

func (f *File) All(_ context.Context, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := f.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
			out[string(k)] = append([]byte(nil), v...) // v is valid only inside the transaction
		}
		return nil
	})
	return out, err
}

func (f *File) Get(_ context.Context, key string) ([]byte, error) {
	var out []byte
	err := f.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucket).Get([]byte(key)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out, err
}

func (f *File) Update(_ context.Context, key string, change func(old []byte) ([]byte, error)) error {
	return f.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		var old []byte
		if v := b.Get([]byte(key)); v != nil {
			old = append([]byte(nil), v...)
		}
		next, err := change(old)
		if err != nil {
			return err
		}
		if next == nil {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), next)
	})
}

func (f *File) Close() error { return f.db.Close() }
