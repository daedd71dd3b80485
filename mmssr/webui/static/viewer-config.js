// <model-viewer> fetches decoders for compressed meshes and textures from
// a CDN when a model needs them; our meshes need none, and these local
// (absent) locations make sure nothing is ever fetched from elsewhere.
// (The meshopt decoder is loaded only when a location is set: none here.)
self.ModelViewerElement = Object.assign(self.ModelViewerElement || {}, {
  dracoDecoderLocation: 'static/absent/',
  ktx2TranscoderLocation: 'static/absent/',
  lottieLoaderLocation: 'static/absent/LottieLoader.js',
});
