package nn_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/glnn/glnn/backend"
	_ "github.com/glnn/glnn/backend/cpu" // registers the "cpu" device
	"github.com/glnn/glnn/nn"
)

// Example trains a small network to learn XOR on the CPU backend.
func Example() {
	dev, err := backend.Open("cpu", backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	x := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	y, _ := nn.OneHot([]int{0, 1, 1, 0}, 2)

	model := nn.NewSequential(nn.Input(2), nn.Dense(8, "tanh"), nn.Dense(2, "softmax"))
	if err := model.Compile(dev, nn.Adam(0.05), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		log.Fatal(err)
	}
	defer model.Release()
	if _, err := model.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 300, BatchSize: 4}); err != nil {
		log.Fatal(err)
	}
	_, acc, err := model.Evaluate(x, y, 0)
	if err != nil {
		log.Fatal(err)
	}
	p, _ := model.Predict([]float32{1, 0}, 0)
	fmt.Printf("accuracy %.2f, P(xor(1,0) = 1) > 0.9: %v\n", acc, p[1] > 0.9)
	// Output: accuracy 1.00, P(xor(1,0) = 1) > 0.9: true
}

// ExampleOneHot encodes class labels for categorical cross-entropy.
func ExampleOneHot() {
	y, err := nn.OneHot([]uint8{2, 0}, 3)
	fmt.Println(y, err)
	_, err = nn.OneHot([]int{3}, 3)
	fmt.Println(err)
	// Output:
	// [0 0 1 1 0 0] <nil>
	// nn: OneHot: label 3 at index 0 is outside [0, 3)
}

// ExampleSequential_Save saves a trained model and loads it back with
// nn.Load, which rebuilds it from the file alone: the architecture,
// weights, optimizer state and training position.
func ExampleSequential_Save() {
	dev, err := backend.Open("cpu", backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	x := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	y, _ := nn.OneHot([]int{0, 1, 1, 0}, 2)
	model := nn.NewSequential(nn.Input(2), nn.Dense(8, "tanh"), nn.Dense(2, "softmax"))
	if err := model.Compile(dev, nn.Adam(0.05), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		log.Fatal(err)
	}
	defer model.Release()
	history, err := model.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 300, BatchSize: 4})
	if err != nil {
		log.Fatal(err)
	}

	dir, _ := os.MkdirTemp("", "glnn")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "xor.safetensors")
	// Written atomically: a crash leaves the old file or the new one.
	if err := model.Save(path, nn.Checkpoint{Position: history.Reached, BatchSize: 4}); err != nil {
		log.Fatal(err)
	}

	loaded, ck, err := nn.Load(path, dev)
	if err != nil {
		log.Fatal(err)
	}
	defer loaded.Release()
	a, _ := model.Predict(x, 0)
	b, _ := loaded.Predict(x, 0)
	fmt.Println("epochs done:", ck.Position.Epoch)
	fmt.Println("same predictions:", fmt.Sprint(a) == fmt.Sprint(b))
	fmt.Println(loaded.Summary())
	// Output:
	// epochs done: 300
	// same predictions: true
	//  1  input(2)               out 2      params 0
	//  2  dense(8, tanh)         out 8      params 24
	//  3  dense(2, softmax)      out 2      params 18
	// total params 42
}
