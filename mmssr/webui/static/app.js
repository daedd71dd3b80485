'use strict';
// The page: one upload at a time per tab; only the newest answer is shown.
(() => {
  const $ = (id) => document.getElementById(id);
  const viewer = $('viewer');
  let config = {max_upload_bytes: 20 * 1024 * 1024, keep_seconds: 600};
  let latest = 0;
  let started = 0;

  fetch('api/config').then((r) => r.json()).then((c) => {
    config = c;
    $('framing_ratio').value = c.framing_ratio;
    $('keep').textContent = `${Math.round(c.keep_seconds / 60)} minutes`;
  }).catch(() => {});

  function setStatus(text, kind) {
    const status = $('status');
    status.textContent = text;
    status.className = kind || '';
  }

  const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

  async function reconstruct() {
    const image = $('image').files[0];
    if (!image) {
      setStatus('Choose or drop an image first.', 'error');
      return;
    }
    const mask = $('mask').files[0];
    const size = image.size + (mask ? mask.size : 0);
    if (size > config.max_upload_bytes) {
      setStatus(`${image.name}: upload too large (${mib(size)}); the limit ` +
                `is ${mib(config.max_upload_bytes)}.`, 'error');
      return;
    }
    const form = new FormData();
    form.append('image', image);
    if (mask) form.append('mask', mask);
    form.append('background', $('background').value);
    form.append('framing_ratio', $('framing_ratio').value);
    const ticket = ++latest;
    started = performance.now();
    setStatus(`Reconstructing ${image.name} …`, 'busy');
    let ok = false;
    let answer;
    try {
      const response = await fetch('api/reconstruct', {method: 'POST', body: form});
      ok = response.ok;
      answer = await response.json().catch(
          () => ({error: `${response.status} ${response.statusText}`}));
    } catch (err) {
      answer = {error: `the server did not answer (${err.message})`};
    }
    if (ticket !== latest) return;  // a newer image was sent meanwhile
    if (!ok) {
      setStatus(answer.error || 'failed', 'error');
      return;
    }
    show(answer);
  }

  function show(result) {
    $('input-img').src = result.files.input;
    $('silhouette-img').src = result.files.silhouette;
    viewer.dataset.loaded = '0';
    viewer.dataset.result = result.id;
    viewer.src = result.files.glb;
    for (const ext of ['glb', 'obj', 'ply']) {
      const link = $(`dl-${ext}`);
      link.href = result.files[ext];
      link.download = `${result.stem}.${ext}`;
      link.classList.remove('disabled');
    }
    viewer.dataset.summary =
        `${result.name}: ${result.vertices} vertices, ${result.faces} faces, ` +
        `silhouette from ${result.silhouette_from}, ` +
        `${result.seconds.toFixed(2)} s on the server`;
    setStatus(`${viewer.dataset.summary}; loading the viewer …`, 'busy');
  }

  viewer.addEventListener('load', () => {
    const seconds = (performance.now() - started) / 1000;
    viewer.dataset.loaded = '1';
    viewer.dataset.seconds = seconds.toFixed(3);
    setStatus(`${viewer.dataset.summary}; shown ${seconds.toFixed(2)} s ` +
              'after sending.', 'ok');
  });
  viewer.addEventListener('error', () => {
    setStatus('The viewer could not show this mesh; the downloads still ' +
              'work.', 'error');
  });

  $('form').addEventListener('submit', (event) => {
    event.preventDefault();
    reconstruct();
  });
  $('image').addEventListener('change', () => {
    const image = $('image').files[0];
    if (image) $('image-name').textContent = image.name;
    reconstruct();
  });
  $('mask-clear').addEventListener('click', () => {
    $('mask').value = '';
  });

  const drop = $('drop');
  for (const name of ['dragenter', 'dragover']) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
  }
  for (const name of ['dragleave', 'drop']) {
    drop.addEventListener(name, () => drop.classList.remove('over'));
  }
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    if (!event.dataTransfer.files.length) return;
    $('image').files = event.dataTransfer.files;
    $('image').dispatchEvent(new Event('change'));
  });
})();
