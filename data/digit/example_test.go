package digit_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"strings"

	"github.com/glnn/glnn/data/digit"
)

// Decode a picture of a black 7 drawn off centre on a white 400×300 page
// into the 28×28 values an MNIST classifier takes: white on black, 20
// pixels tall, and placed by its centre of mass, which the heavy bar pulls
// up, so the digit sits low in the field.
func ExampleDecode() {
	page := image.NewGray(image.Rect(0, 0, 400, 300))
	draw.Draw(page, page.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	black := image.NewUniform(color.Black)
	draw.Draw(page, image.Rect(40, 40, 200, 70), black, image.Point{}, draw.Src)   // the bar
	draw.Draw(page, image.Rect(170, 40, 200, 280), black, image.Point{}, draw.Src) // the stem
	var file bytes.Buffer
	if err := png.Encode(&file, page); err != nil {
		log.Fatal(err)
	}

	pixels, err := digit.Decode(&file)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(pixels), "values; rows 6 to 27:")
	for y := 6; y < 28; y++ {
		var row strings.Builder
		for _, v := range pixels[y*28 : y*28+28] {
			switch {
			case v >= 0.75:
				row.WriteByte('#')
			case v >= 0.25:
				row.WriteByte('+')
			default:
				row.WriteByte('.')
			}
		}
		fmt.Println(row.String())
	}
	// Output:
	// 784 values; rows 6 to 27:
	// ............................
	// ............................
	// .....#############+.........
	// .....#############+.........
	// .....+++++++++++##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
	// ................##+.........
}
