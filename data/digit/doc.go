// Package digit turns a picture of one handwritten digit into the 784
// values that an MNIST classifier expects, and writes such values back out
// as a picture.
//
// MNIST digits were made (LeCun et al.) by size-normalising each digit to
// fit a 20×20 box, preserving its aspect ratio, with anti-aliasing, and
// then centring it by its centre of mass in a 28×28 field; ink is bright
// (1) on a dark (0) background. Decode, ReadFile and FromImage apply the
// same steps to a PNG, JPEG or GIF of any size:
//
//  1. Grey: luminance by the Rec. 601 luma weights (JPEG's own Y
//     channel), transparent pixels composited over white. When that leaves
//     nothing to see but the image is not opaque, it is composited over
//     black instead, so a white digit on a transparent canvas works too.
//  2. An image over about two megapixels is reduced by a whole factor,
//     by area-averaging, as it is converted; this bounds the work and
//     memory of the later steps.
//  3. Background: Otsu's threshold splits the grey levels into a dark and
//     a light class, and the background is the class holding more of the
//     border (a ring 1/32 of the shorter side wide) and of the whole image
//     together, so a digit that touches the edges of a tight crop does not
//     fool it. Its level is the median of its border pixels; its noise is
//     measured on the side of that level away from the ink. Dark ink on a
//     light page is inverted so that the digit is bright on dark.
//  4. The background level is subtracted and the contrast rescaled so the
//     ink reaches 1. An image whose ink stands out by less than 0.1, or by
//     less than six times the background noise, is blank (ErrNoInk).
//  5. Ink is what reaches NoiseFloor (raised to four times the noise on a
//     noisy background). Specks, connected patches holding less than
//     SpeckFraction of the ink and lying apart from the digit, are removed.
//  6. Strokes thinner than MinStroke pixels at the final size (a fine pen
//     photographed at high resolution would otherwise fade to a faint
//     trace) are thickened to it. MNIST digits never are.
//  7. The digit is cropped to the bounding box of its ink, taking in the
//     fainter anti-aliased edge that touches it (up to two final pixels
//     beyond), and scaled so that the box's longer side is 20 pixels,
//     keeping the aspect ratio: area-averaging when reducing, bilinear
//     interpolation when enlarging, in float32. It is then rescaled so its
//     brightest value is 1.
//  8. It is pasted into a 28×28 field with its centre of mass, in pixel
//     index coordinates, at (14, 14), shifted by whole pixels (the centre
//     of mass rounded) and never cut off.
//
// An MNIST digit is already normalised, so for one written with Encode
// (or enlarged by EncodeWith) these steps are close to the identity: for
// 9974 of the 10,000 test digits the mean absolute difference is below
// 0.002. The other 26 change more because a stray dot is dropped as a
// speck, or because the digit overflowed MNIST's own 20-pixel box. The
// tests check the first 100 digits this way, and how close other
// renderings come.
//
// Decode refuses data that is not a PNG, JPEG or GIF image, a truncated
// or damaged file, an image whose header claims more than MaxPixels pixels
// or a side longer than MaxSide (checked before any pixel is decoded), and
// an image with no ink. The errors match ErrNotImage, ErrTooLarge and
// ErrNoInk with errors.Is.
package digit
