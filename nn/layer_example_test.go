package nn_test

import (
	"context"
	"fmt"
	"log"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/nn"
)

// linear is a layer written outside package nn: a fully connected layer
// without a bias, y = x·W, built from the device's ops. The model owns its
// parameter and buffers; the layer only declares them.
type linear struct {
	units   int
	w       *nn.Param
	out, dx *nn.Buffer
}

func (l *linear) String() string { return fmt.Sprintf("linear(%d)", l.units) }

func (l *linear) Build(b *nn.Builder, in int) (int, error) {
	if in == 0 {
		return 0, fmt.Errorf("%v needs an input layer before it", l)
	}
	l.w = b.Param("kernel", in, l.units, nn.GlorotUniform)
	l.out, l.dx = b.Buffer(l.units), b.Buffer(in)
	return l.units, nil
}

func (l *linear) Forward(p *nn.Pass, x *backend.Tensor) *backend.Tensor {
	y := l.out.Rows(p.Rows)
	p.Dev.MatMul(y, x, l.w.Value, backend.NoTrans, backend.NoTrans) // y = x·W
	return y
}

func (l *linear) Backward(p *nn.Pass, x, dy *backend.Tensor) *backend.Tensor {
	p.Dev.MatMul(l.w.Grad, x, dy, backend.Trans, backend.NoTrans) // dW = xᵀ·dy
	if !p.NeedInputGrad {
		return nil
	}
	dx := l.dx.Rows(p.Rows)
	p.Dev.MatMul(dx, dy, l.w.Value, backend.NoTrans, backend.Trans) // dx = dy·Wᵀ
	return dx
}

// ExampleLayer trains a model whose hidden layer is a custom Layer.
func ExampleLayer() {
	dev, err := backend.Open("cpu", backend.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	// Points above (class 1) and below (class 0) the diagonal.
	x := []float32{-2, -1, -1, -0.5, 1, 2, 2, 1, -3, 1, 3, -1}
	y, _ := nn.OneHot([]int{0, 1, 1, 0, 1, 0}, 2)

	model := nn.NewSequential(nn.Input(2), &linear{units: 8}, nn.Tanh(), nn.Dense(2, "softmax"))
	if err := model.Compile(dev, nn.Adam(0.05), nn.CategoricalCrossEntropy, nn.CompileOptions{Seed: 1}); err != nil {
		log.Fatal(err)
	}
	defer model.Release()
	h, err := model.Fit(context.Background(), x, y, nn.FitOptions{Epochs: 300, BatchSize: 6})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(model.Summary())
	fmt.Printf("loss fell: %v, accuracy %.2f\n", h.Last().Loss < h.Epochs[0].Loss/10, h.Last().Accuracy)
	// Output:
	//  1  input(2)               out 2      params 0
	//  2  linear(8)              out 8      params 16
	//  3  tanh                   out 8      params 0
	//  4  dense(2, softmax)      out 2      params 18
	// total params 34
	// loss fell: true, accuracy 1.00
}
