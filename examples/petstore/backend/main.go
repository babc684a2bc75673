// Command backend is the example Petstore backend `make run` puts behind Tollgate: a small in-memory pet list,
// and an echo of anything else so you can see what the gateway forwards.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
)

type pet struct {
	ID    string  `json:"id"`
	Type  string  `json:"type"`
	Price float64 `json:"price"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "address to listen on")
	flag.Parse()
	var mu sync.Mutex
	pets := map[string]pet{"1": {"1", "dog", 249.99}, "2": {"2", "cat", 124.99}, "3": {"3", "fish", 0.99}}

	http.HandleFunc("GET /pets", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		out := []pet{}
		for _, p := range pets {
			if t := r.URL.Query().Get("type"); t == "" || t == p.Type {
				out = append(out, p)
			}
		}
		writeJSON(w, http.StatusOK, out)
	})
	http.HandleFunc("POST /pets", func(w http.ResponseWriter, r *http.Request) {
		var p pet
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil || p.ID == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want a JSON pet with an id"})
			return
		}
		mu.Lock()
		pets[p.ID] = p
		mu.Unlock()
		writeJSON(w, http.StatusCreated, p)
	})
	http.HandleFunc("GET /pets/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p, ok := pets[r.PathValue("id")]
		mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such pet"})
			return
		}
		writeJSON(w, http.StatusOK, p)
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		headers := map[string]string{}
		for k, v := range r.Header {
			headers[k] = strings.Join(v, ",")
		}
		writeJSON(w, http.StatusOK, map[string]any{"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "host": r.Host, "headers": headers, "body": string(body)})
	})
	log.Printf("petstore backend on http://%s", *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
