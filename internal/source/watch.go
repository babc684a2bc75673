package source

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Debounce groups the bursts of events one save produces (write, chmod, rename) into one reload.
const Debounce = 100 * time.Millisecond

// Watcher follows the files a configuration was built from and calls back when any of them changes. It watches
// their directories, not the files, because editors and config-management tools replace files by renaming a new
// one into place, which a watch on the old file would miss.
type Watcher struct {
	log      *slog.Logger
	fsw      *fsnotify.Watcher
	onChange func()

	mu    sync.Mutex
	files map[string]bool // absolute paths
	dirs  map[string]bool
}

// NewWatcher starts a watcher; call Watch with the files to follow, and Run to deliver changes.
func NewWatcher(log *slog.Logger, onChange func()) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	return &Watcher{log: log, fsw: fsw, onChange: onChange, files: map[string]bool{}, dirs: map[string]bool{}}, nil
}

// Watch replaces the set of watched files (a reload may add or drop definitions).
func (w *Watcher) Watch(files []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.files = map[string]bool{}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			continue
		}
		w.files[abs] = true
		dir := filepath.Dir(abs)
		if !w.dirs[dir] {
			if err := w.fsw.Add(dir); err != nil {
				w.log.Warn("cannot watch directory; changes there need a restart", "dir", dir, "err", err)
				continue
			}
			w.dirs[dir] = true
		}
	}
}

func (w *Watcher) watched(name string) bool {
	abs, err := filepath.Abs(name)
	if err != nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.files[abs]
}

// Run delivers changes until ctx is done.
func (w *Watcher) Run(ctx context.Context) {
	defer w.fsw.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if w.watched(ev.Name) {
				timer.Reset(Debounce)
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.log.Warn("file watch error", "err", err)
		case <-timer.C:
			w.onChange()
		}
	}
}
