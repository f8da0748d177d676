package backend_test

import (
	"fmt"
	"log"

	"github.com/glnn/glnn/backend"
	_ "github.com/glnn/glnn/backend/cpu" // registers "cpu"
)

// ExampleOpen multiplies two matrices on the CPU device through raw ops.
func ExampleOpen() {
	dev, err := backend.Open("cpu", backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	a, _ := dev.Alloc(2, 3)
	b, _ := dev.Alloc(3, 2)
	c, _ := dev.Alloc(2, 2)
	dev.Upload(a, []float32{1, 2, 3, 4, 5, 6})
	dev.Upload(b, []float32{1, 0, 0, 1, 1, 1})
	dev.MatMul(c, a, b, backend.NoTrans, backend.NoTrans) // c = a·b
	dev.AddBias(c, c, b.View(1, 2), backend.ReLU)

	out := make([]float32, 4)
	if err := dev.Download(out, c); err != nil {
		log.Fatal(err)
	}
	fmt.Println(out)
	// Output: [5 5 11 11]
}

// ExampleOpenAuto opens the best device this machine offers: a hardware
// GPU when the gl backend is linked and finds one, else the CPU.
func ExampleOpenAuto() {
	dev, why, err := backend.OpenAuto(backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	fmt.Println(why != "", dev.Info().Backend)
	// Output: true cpu
}
