// Command quickstart is the quickstart of Adobe's Python SDK README in Go: create, run `python --version` with streamed output, destroy.
// Run: `go run ./cmd/quickstart` with __OW_API_HOST / __OW_NAMESPACE / __OW_API_KEY set.
package main

import (
	"fmt"
	"log"
	"os"
	"time"

	"aotsandbox.dev/aotsandbox"
)

func main() {
	client, err := aotsandbox.NewClient(aotsandbox.ClientOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	sb, err := aotsandbox.Create(client, aotsandbox.CreateOptions{Name: "my-sandbox", Size: aotsandbox.Small}, time.Minute, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	r, err := sb.Exec("python --version 2>&1", aotsandbox.ExecOptions{
		Timeout:  10 * time.Second,
		OnOutput: func(s aotsandbox.Stream, data []byte) { os.Stdout.Write(data) },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exit code %d\n", r.Exit.Code)
	if err := sb.Destroy(30 * time.Second); err != nil {
		log.Fatal(err)
	}
}
