/**
 * Rigid 3-D mean face of the 68 iBUG landmarks, as x, y, z triples in millimetre-like units: x towards the image's
 * right, y down, z towards the camera (the nose tip has the largest z), for a frontal head. It is exactly symmetric
 * left/right, centred on the centroid of the 68 points, and its eye centres (means of 37, 38, 40, 41 and 43, 44, 46,
 * 47) are 66 units apart.
 *
 * Estimated by us on 2026-12-03 with scripts/liveness/mean-face.estimate.ts from our own measurements only: the 68
 * landmarks that our landmark model placed on 3,187 images of real faces at varied poses (2,999 of 3,000 evenly
 * spaced images of Labeled Faces in the Wild, the 161 identity photos of the development face set without the bbt_*
 * crops, and its 27 live and spoof webcam video frames), by affine structure from motion (rank-3 factorisation and
 * metric upgrade), then a rigid weak-perspective refinement (poses on the 51 inner points, the 64 worst-fitting views
 * dropped). Pitch 0 is the median pitch of those views; the nose tip stands 0.51 eye distances in front of the eye
 * corners.
 */
export const MEAN_FACE_68: readonly number[] = [
  -77.149,
  -40.889,
  -45.944, // 0
  -76.646,
  -20.918,
  -42.772, // 1
  -74.764,
  -0.942,
  -40.607, // 2
  -71.09,
  18.698,
  -38.139, // 3
  -63.901,
  37.123,
  -32.492, // 4
  -52.117,
  53.169,
  -23.75, // 5
  -36.962,
  66.438,
  -13.647, // 6
  -19.794,
  76.995,
  -3.574, // 7
  0.0,
  80.064,
  0.073, // 8
  19.794,
  76.995,
  -3.574, // 9
  36.962,
  66.438,
  -13.647, // 10
  52.117,
  53.169,
  -23.75, // 11
  63.901,
  37.123,
  -32.492, // 12
  71.09,
  18.698,
  -38.139, // 13
  74.764,
  -0.942,
  -40.607, // 14
  76.646,
  -20.918,
  -42.772, // 15
  77.149,
  -40.889,
  -45.944, // 16
  -61.286,
  -53.61,
  -7.09, // 17
  -51.778,
  -61.7,
  0.483, // 18
  -38.249,
  -63.698,
  7.281, // 19
  -24.353,
  -61.394,
  12.763, // 20
  -11.279,
  -56.193,
  16.368, // 21
  11.279,
  -56.193,
  16.368, // 22
  24.353,
  -61.394,
  12.763, // 23
  38.249,
  -63.698,
  7.281, // 24
  51.778,
  -61.7,
  0.483, // 25
  61.286,
  -53.61,
  -7.09, // 26
  0.0,
  -40.718,
  15.894, // 27
  0.0,
  -28.295,
  21.443, // 28
  0.0,
  -16.051,
  27.663, // 29
  0.0,
  -3.252,
  33.684, // 30
  -16.065,
  5.822,
  17.258, // 31
  -8.311,
  8.431,
  20.37, // 32
  0.0,
  10.551,
  22.298, // 33
  8.311,
  8.431,
  20.37, // 34
  16.065,
  5.822,
  17.258, // 35
  -45.769,
  -38.884,
  -2.751, // 36
  -37.542,
  -42.458,
  1.745, // 37
  -27.958,
  -42.436,
  3.126, // 38
  -19.413,
  -37.15,
  2.479, // 39
  -28.445,
  -35.609,
  2.382, // 40
  -38.054,
  -35.745,
  1.013, // 41
  19.413,
  -37.15,
  2.479, // 42
  27.958,
  -42.436,
  3.126, // 43
  37.542,
  -42.458,
  1.745, // 44
  45.769,
  -38.884,
  -2.751, // 45
  38.054,
  -35.745,
  1.013, // 46
  28.445,
  -35.609,
  2.382, // 47
  -28.851,
  30.025,
  -1.21, // 48
  -18.299,
  25.221,
  10.45, // 49
  -7.535,
  22.739,
  17.321, // 50
  0.0,
  24.664,
  18.137, // 51
  7.535,
  22.739,
  17.321, // 52
  18.299,
  25.221,
  10.45, // 53
  28.851,
  30.025,
  -1.21, // 54
  18.629,
  39.862,
  6.714, // 55
  8.211,
  44.256,
  12.074, // 56
  0.0,
  45.083,
  13.005, // 57
  -8.211,
  44.256,
  12.074, // 58
  -18.629,
  39.862,
  6.714, // 59
  -24.226,
  30.484,
  0.571, // 60
  -7.635,
  29.207,
  14.914, // 61
  0.0,
  29.982,
  16.07, // 62
  7.635,
  29.207,
  14.914, // 63
  24.226,
  30.484,
  0.571, // 64
  7.791,
  34.445,
  13.36, // 65
  0.0,
  35.395,
  14.338, // 66
  -7.791,
  34.445,
  13.36, // 67
];
