// Command mnist is the README's library example: it trains the Keras
// reference model on MNIST with glnn's nn package, on the best device this
// machine has, and saves it for cmd/predict.
//
//	go run ./examples/mnist -epochs 2
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/glnn/glnn/backend"
	_ "github.com/glnn/glnn/backend/cpu" // registers "cpu"
	_ "github.com/glnn/glnn/backend/gl"  // registers "gl" (a clear error without cgo)
	"github.com/glnn/glnn/data/mnist"
	"github.com/glnn/glnn/nn"
)

func main() {
	epochs := flag.Int("epochs", 10, "training epochs")
	out := flag.String("save", "mnist.safetensors", "where to save the trained model")
	flag.Parse()

	// The data: 60,000 training and 10,000 test images, found without a
	// download (they ship in a Go module), scaled to [0,1].
	train, test, err := mnist.Load(mnist.Options{})
	if err != nil {
		log.Fatal(err)
	}
	yTrain, _ := nn.OneHot(train.Labels, 10)
	yTest, _ := nn.OneHot(test.Labels, 10)

	// A hardware GPU if there is one, else the CPU.
	dev, why, err := backend.OpenAuto(backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	fmt.Println(why)

	model := nn.NewSequential(
		nn.Flatten(28, 28),
		nn.Dense(128, "relu"),
		nn.Dense(10, "softmax"),
	)
	if err := model.Compile(dev, nn.Adam(0.001), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		log.Fatal(err)
	}
	defer model.Release()

	history, err := model.Fit(context.Background(), train.Images, yTrain, nn.FitOptions{
		Epochs: *epochs, BatchSize: 32, Seed: 1,
		ValidationX: test.Images, ValidationY: yTest,
		OnEpoch: func(e nn.Epoch) {
			fmt.Printf("epoch %d: loss %.4f, test accuracy %.4f\n", e.Epoch, e.Loss, e.ValAccuracy)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	loss, acc, err := model.Evaluate(test.Images, yTest, 256)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("test loss %.4f, accuracy %.2f%%\n", loss, 100*acc)

	probs, err := model.Predict(test.Image(0), 0) // one image: 10 probabilities
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("the first test image is a %d; the model says %d\n", test.Labels[0], argmax(probs))

	ck := nn.Checkpoint{Position: history.Reached, Seed: 1, BatchSize: 32, History: history.Epochs}
	if err := model.Save(*out, ck); err != nil {
		log.Fatal(err)
	}
	fmt.Println("saved", *out, "— try: go run ./cmd/predict -model", *out, "digit.png")
}

func argmax(p []float32) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
