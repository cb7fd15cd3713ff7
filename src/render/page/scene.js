// Draws one planned scene with three.js (software WebGL in headless Chromium) and measures it: each
// character's box from its projected (skinned) vertices, and how much of it is visible (an id pass).
// The plan comes from src/render/plan.ts through window.toonRender(plan); every resource (GLB bytes,
// background images, textures, fonts) is fetched from the loopback server of src/render/browser.ts,
// and the finished frame is POSTed back there as raw RGBA.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { clone as cloneSkinned } from 'three/addons/utils/SkeletonUtils.js';
import { mergeGeometries } from 'three/addons/utils/BufferGeometryUtils.js';

// Panda3D lights and blends colours as stored (no linear-light conversion): so do we, for the game's look
THREE.ColorManagement.enabled = false;
const loader = new GLTFLoader();
/** url -> Promise<THREE.Object3D> (the loaded character, materials made Lambert; cloned per use) */
const glbCache = new Map();
/** url -> Promise<THREE.Texture> */
const textureCache = new Map();
/** font family -> Promise<void> */
const fontCache = new Map();
const GLB_CACHE_SIZE = 48;

let renderer = null;
let idTarget = null;
let outCanvas = null;
let out2d = null;
let shadowTexture = null;

function setup(width, height, antialias) {
  if (!renderer || renderer.__antialias !== antialias) {
    renderer?.dispose();
    renderer = new THREE.WebGLRenderer({ antialias, preserveDrawingBuffer: true, alpha: false, powerPreference: 'high-performance' });
    renderer.__antialias = antialias;
    renderer.outputColorSpace = THREE.LinearSRGBColorSpace;
    renderer.setPixelRatio(1);
    document.body.appendChild(renderer.domElement);
  }
  const size = renderer.getSize(new THREE.Vector2());
  if (size.x !== width || size.y !== height) {
    renderer.setSize(width, height, false);
  }
  if (!outCanvas) {
    // an OffscreenCanvas encodes at once (a page canvas's toBlob waits for idle time: 0.6 s a frame)
    outCanvas = new OffscreenCanvas(width, height);
    out2d = outCanvas.getContext('2d', { willReadFrequently: true });
  }
  if (outCanvas.width !== width || outCanvas.height !== height) {
    outCanvas.width = width;
    outCanvas.height = height;
  }
}

/** The game's materials drawn as Panda3D's default lighting draws them: diffuse only, no specular. */
function lambertOf(m) {
  if (m.map) {
    m.map.colorSpace = THREE.NoColorSpace;
    m.map.needsUpdate = true;
  }
  const l = new THREE.MeshLambertMaterial({
    map: m.map ?? null,
    color: m.color ? m.color.clone() : new THREE.Color(1, 1, 1),
    vertexColors: m.vertexColors === true,
    transparent: m.transparent === true,
    opacity: m.opacity ?? 1,
    alphaTest: m.alphaTest ?? 0,
    side: m.side ?? THREE.FrontSide,
    depthWrite: m.depthWrite !== false,
  });
  l.name = m.name;
  return l;
}

/** url -> Promise<THREE.Object3D>: set pieces (few, reused scene after scene) */
const propCache = new Map();

async function loadCharacter(url, cache = glbCache) {
  let p = cache.get(url);
  if (!p) {
    p = (async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
      const gltf = await loader.parseAsync(await res.arrayBuffer(), '');
      const root = gltf.scene;
      root.traverse((o) => {
        if (o.isMesh) {
          o.material = Array.isArray(o.material) ? o.material.map(lambertOf) : lambertOf(o.material);
          o.frustumCulled = false;
        }
      });
      return root;
    })();
    cache.set(url, p);
    if (cache === glbCache && glbCache.size > GLB_CACHE_SIZE) glbCache.delete(glbCache.keys().next().value);
  }
  const root = await p;
  return cloneSkinned(root);
}

async function fetchTexture(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  const bitmap = await createImageBitmap(await res.blob(), { imageOrientation: 'flipY' });
  const t = new THREE.Texture(bitmap);
  t.flipY = false;
  t.colorSpace = THREE.NoColorSpace;
  t.needsUpdate = true;
  return t;
}

async function loadTexture(url, opts = {}) {
  const key = `${url}|${opts.repeat ?? ''}`;
  let p = textureCache.get(key);
  if (!p) {
    p = (async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
      const bitmap = await createImageBitmap(await res.blob(), { imageOrientation: 'flipY' });
      const t = new THREE.Texture(bitmap);
      t.flipY = false;
      t.colorSpace = THREE.NoColorSpace;
      if (opts.repeat) {
        t.wrapS = t.wrapT = THREE.RepeatWrapping;
        t.repeat.set(opts.repeat[0], opts.repeat[1]);
        t.anisotropy = 4;
      }
      t.needsUpdate = true;
      return t;
    })();
    textureCache.set(key, p);
    // backgrounds are one-off; keep the cache small (street textures come back often)
    if (textureCache.size > 64) {
      const [k, old] = textureCache.entries().next().value;
      textureCache.delete(k);
      old.then((t) => t.dispose()).catch(() => {});
    }
  }
  return p;
}

async function loadFont(family, url) {
  if (!url) return;
  let p = fontCache.get(family);
  if (!p) {
    p = (async () => {
      const res = await fetch(url);
      const face = new FontFace(family, await res.arrayBuffer());
      await face.load();
      document.fonts.add(face);
    })();
    fontCache.set(family, p);
  }
  return p;
}

/** A soft round drop shadow like the game's (a dark disc under every character). */
function dropShadowTexture() {
  if (shadowTexture) return shadowTexture;
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const g = c.getContext('2d');
  const grad = g.createRadialGradient(32, 32, 4, 32, 32, 32);
  grad.addColorStop(0, 'rgba(0,0,0,1)');
  grad.addColorStop(0.6, 'rgba(0,0,0,0.85)');
  grad.addColorStop(1, 'rgba(0,0,0,0)');
  g.fillStyle = grad;
  g.fillRect(0, 0, 64, 64);
  shadowTexture = new THREE.CanvasTexture(c);
  return shadowTexture;
}

function colour(c) {
  return new THREE.Color(c[0], c[1], c[2]);
}

/** Every mesh of a character with its world-space vertices projected to pixels: [x0, y0, x1, y1]. */
function projectedBox(root, camera, width, height) {
  const v = new THREE.Vector3();
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  root.updateMatrixWorld(true);
  root.traverse((o) => {
    if (!o.isMesh || !o.visible || o.userData.notCharacter) return;
    if (o.isSkinnedMesh) o.skeleton.update();
    const pos = o.geometry.attributes.position;
    for (let i = 0; i < pos.count; i++) {
      o.getVertexPosition(i, v);
      v.applyMatrix4(o.matrixWorld).project(camera);
      if (v.z > 1 || v.z < -1) continue;
      const px = (v.x * 0.5 + 0.5) * width;
      const py = (0.5 - v.y * 0.5) * height;
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
    }
  });
  return Number.isFinite(x0) ? [x0, y0, x1, y1] : null;
}

function buildLights(scene, light) {
  // the plan gives shares of the surface colour; three's Lambert divides irradiance by pi
  scene.add(new THREE.AmbientLight(colour(light.ambient), light.ambientIntensity * Math.PI));
  if (light.hemi) scene.add(new THREE.HemisphereLight(colour(light.hemi.sky), colour(light.hemi.ground), light.hemi.intensity * Math.PI));
  for (const d of light.directional ?? []) {
    const l = new THREE.DirectionalLight(colour(d.colour), d.intensity * Math.PI);
    l.position.set(d.direction[0], d.direction[1], d.direction[2]);
    scene.add(l, l.target);
  }
}

/** Set pieces: drawn, hiding what is behind them in the id pass, never measured. */
async function addProps(scene, props) {
  // loaded in parallel, put together in the plan's order (the same scene, the same draw order)
  const list = props ?? [];
  const roots = await Promise.all(list.map((p) => loadCharacter(p.glb, propCache)));
  const maps = await Promise.all(list.map((p) => Promise.all((p.tints ?? []).map((t) => (t.texture ? loadTexture(t.texture, { repeat: t.repeat ?? [1, 1] }) : null)))));
  list.forEach((p, i) => {
    const root = roots[i];
    (p.tints ?? []).forEach((t, k) => {
      const map = maps[i][k];
      root.traverse((o) => {
        if (!o.isMesh) return;
        let named = false;
        for (let a = o; a && !named; a = a.parent) named = (a.name ?? '').includes(t.match);
        if (!named) return;
        o.material = o.material.clone();
        o.material.color = colour(t.colour);
        if (map) o.material.map = map;
        o.userData.disposableMaterial = true;
      });
    });
    root.traverse((o) => {
      if (o.isMesh) o.userData.occluder = true;
    });
    root.position.set(...p.position);
    root.rotation.y = p.yaw;
    scene.add(root);
  });
}

async function buildSet(scene, set) {
  if (!set) return;
  const planes = set.planes ?? [];
  const [, maps] = await Promise.all([addProps(scene, set.props), Promise.all(planes.map((p) => (p.texture ? loadTexture(p.texture, { repeat: p.repeat ?? [1, 1] }) : null)))]);
  // untextured planes (house fronts, windows, doors) are merged into one mesh of vertex colours: one draw
  const flat = [];
  planes.forEach((p, i) => {
    const geo = new THREE.PlaneGeometry(p.size[0], p.size[1]);
    const m = new THREE.Matrix4().compose(
      new THREE.Vector3(p.position[0], p.position[1], p.position[2]),
      new THREE.Quaternion().setFromEuler(new THREE.Euler(p.rotation[0], p.rotation[1], p.rotation[2])),
      new THREE.Vector3(1, 1, 1),
    );
    if (!p.texture) {
      geo.applyMatrix4(m);
      const c = p.colour ?? [1, 1, 1];
      const n = geo.attributes.position.count;
      geo.setAttribute('color', new THREE.Float32BufferAttribute(Array.from({ length: n }, () => c).flat(), 3));
      geo.deleteAttribute('uv');
      flat.push(geo);
      return;
    }
    const mesh = new THREE.Mesh(geo, new THREE.MeshLambertMaterial({ color: colour(p.colour ?? [1, 1, 1]), map: maps[i] }));
    mesh.userData.disposable = true;
    mesh.applyMatrix4(m);
    scene.add(mesh);
  });
  if (flat.length) {
    const merged = mergeGeometries(flat);
    flat.forEach((g) => g.dispose());
    const mesh = new THREE.Mesh(merged, new THREE.MeshLambertMaterial({ vertexColors: true }));
    mesh.userData.disposable = true;
    scene.add(mesh);
  }
}

function drawNametag(g, tag, cx, bottom) {
  const size = tag.linePx;
  const font = `${size}px "${tag.family}", ${tag.fallback ?? 'monospace'}`;
  g.font = font;
  const widths = tag.lines.map((l) => g.measureText(l).width);
  const padX = size * 0.45;
  const padY = size * 0.25;
  const w = Math.max(...widths) + 2 * padX;
  const lineH = size * 1.05;
  const h = lineH * tag.lines.length + 2 * padY;
  const x = cx - w / 2;
  const y = bottom - h;
  if (tag.plate) {
    g.fillStyle = `rgba(${tag.plate[0]},${tag.plate[1]},${tag.plate[2]},${tag.plate[3]})`;
    const r = Math.min(size * 0.5, h / 2);
    g.beginPath();
    g.roundRect(x, y, w, h, r);
    g.fill();
  }
  g.fillStyle = `rgb(${tag.colour[0]},${tag.colour[1]},${tag.colour[2]})`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  tag.lines.forEach((l, i) => g.fillText(l, cx, y + padY + lineH * (i + 0.5)));
}

/**
 * How much of each character is seen: an id pass (each character in a flat colour of its own, at
 * `scale` of the frame) counts its visible pixels; a character whose box overlaps another's is drawn
 * again alone (scissored to its box) to count its unoccluded pixels. Also the bounding box of each
 * character's visible id pixels (in frame pixels).
 */
function visibility(scene, camera, chars, boxes, width, height, scale) {
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  if (!idTarget || idTarget.width !== w || idTarget.height !== h) {
    idTarget?.dispose();
    idTarget = new THREE.WebGLRenderTarget(w, h, { depthBuffer: true, samples: 0 });
  }
  const saved = [];
  const idMats = chars.map((_, k) => new THREE.MeshBasicMaterial({ color: new THREE.Color((k + 1) / 8, 0, 0), toneMapped: false }));
  scene.traverse((o) => {
    if (o.isMesh || o.isSprite) saved.push([o, o.visible, o.material]);
  });
  const wasVisible = new Map(saved.map(([o, vis]) => [o, vis]));
  for (const [o] of saved) o.visible = false;
  // set pieces hide what stands behind them: drawn into depth only, with their own sides and cut-outs
  const depthOnly = new Map();
  const depthMaterial = (m) => {
    let d = depthOnly.get(m);
    if (!d) {
      const cut = m.alphaTest > 0 ? m.alphaTest : m.transparent && m.map ? 0.5 : 0;
      d = new THREE.MeshBasicMaterial({ colorWrite: false, side: m.side, ...(cut > 0 && m.map ? { map: m.map, alphaTest: cut } : {}) });
      depthOnly.set(m, d);
    }
    return d;
  };
  const occluders = saved.filter(([o, vis]) => vis && o.userData.occluder).map(([o]) => o);
  const renderOrders = occluders.map((o) => o.renderOrder);
  for (const o of occluders) {
    o.visible = true;
    o.material = Array.isArray(o.material) ? o.material.map(depthMaterial) : depthMaterial(o.material);
    // first: depth only cannot paint over an id drawn before it
    o.renderOrder = -1000;
  }
  const drawn = (o) => o.isMesh && !o.userData.notCharacter && wasVisible.get(o) === true;
  chars.forEach((c, k) => c.root.traverse((o) => {
    if (drawn(o)) {
      o.visible = true;
      o.material = idMats[k];
    }
  }));
  const bg = scene.background;
  scene.background = null;
  renderer.setRenderTarget(idTarget);
  renderer.setClearColor(0x000000, 1);
  renderer.clear();
  renderer.render(scene, camera);
  // boxes in id pixels, clamped, one pixel of margin
  const idBox = (b) => {
    if (!b) return null;
    const x0 = Math.max(0, Math.floor(b[0] * scale) - 1), y0 = Math.max(0, Math.floor(b[1] * scale) - 1);
    const x1 = Math.min(w, Math.ceil(b[2] * scale) + 1), y1 = Math.min(h, Math.ceil(b[3] * scale) + 1);
    return x1 > x0 && y1 > y0 ? [x0, y0, x1, y1] : null;
  };
  const ib = boxes.map(idBox);
  let u = null;
  for (const b of ib) if (b) u = u ? [Math.min(u[0], b[0]), Math.min(u[1], b[1]), Math.max(u[2], b[2]), Math.max(u[3], b[3])] : [...b];
  const visible = chars.map(() => 0);
  const alone = chars.map(() => 0);
  const pixelBoxes = chars.map(() => null);
  const count = (r, into, wanted, boxesOut) => {
    const [x0, y0, x1, y1] = r;
    const rw = x1 - x0, rh = y1 - y0;
    const buf = new Uint8Array(rw * rh * 4);
    renderer.readRenderTargetPixels(idTarget, x0, h - y1, rw, rh, buf);
    for (let yy = 0; yy < rh; yy++) {
      for (let xx = 0; xx < rw; xx++) {
        const red = buf[(yy * rw + xx) * 4];
        if (red === 0) continue;
        const k = Math.round((red / 255) * 8) - 1;
        if (k < 0 || k >= chars.length || (wanted !== undefined && k !== wanted)) continue;
        into[k]++;
        if (boxesOut) {
          const px = x0 + xx, py = y1 - 1 - yy;
          const pb = boxesOut[k] ?? (boxesOut[k] = [px, py, px + 1, py + 1]);
          if (px < pb[0]) pb[0] = px;
          if (py < pb[1]) pb[1] = py;
          if (px + 1 > pb[2]) pb[2] = px + 1;
          if (py + 1 > pb[3]) pb[3] = py + 1;
        }
      }
    }
  };
  if (u) count(u, visible, undefined, pixelBoxes);
  const overlaps = (a, b) => a && b && a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  renderer.setScissorTest(true);
  chars.forEach((c, k) => {
    const b = ib[k];
    if (!b) return;
    // nothing in front of it but perhaps the set: drawn alone only when the set could hide it
    if (!occluders.length && !ib.some((o, j) => j !== k && overlaps(b, o))) {
      alone[k] = visible[k];
      return;
    }
    chars.forEach((o, j) => o.root.traverse((m) => {
      if (drawn(m)) m.visible = j === k;
    }));
    for (const o of occluders) o.visible = false;
    renderer.setScissor(b[0], h - b[3], b[2] - b[0], b[3] - b[1]);
    renderer.clear();
    renderer.render(scene, camera);
    count(b, alone, k);
  });
  renderer.setScissorTest(false);
  renderer.setRenderTarget(null);
  scene.background = bg;
  for (const [o, vis, mat] of saved) {
    o.visible = vis;
    o.material = mat;
  }
  idMats.forEach((m) => m.dispose());
  occluders.forEach((o, i) => (o.renderOrder = renderOrders[i]));
  for (const d of depthOnly.values()) d.dispose();
  const inv = 1 / scale;
  return { visible, alone, pixelBoxes: pixelBoxes.map((b) => b && b.map((v) => Math.round(v * inv))) };
}

async function renderScene(plan) {
  const t0 = performance.now();
  const { width, height } = plan;
  setup(width, height, plan.antialias !== false);
  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(plan.camera.fov, width / height, plan.camera.near ?? 0.5, plan.camera.far ?? 2000);
  camera.position.set(...plan.camera.position);
  camera.lookAt(new THREE.Vector3(...plan.camera.target));
  camera.updateMatrixWorld(true);
  camera.updateProjectionMatrix();

  const loads = [];
  // a backdrop serves one scene (street skies come back, but are small)
  let backdrop = null;
  if (plan.background?.image) loads.push(fetchTexture(plan.background.image).then((t) => { scene.background = backdrop = t; }));
  else scene.background = colour(plan.background?.colour ?? [0.5, 0.7, 0.9]);
  const setGroup = new THREE.Group();
  scene.add(setGroup);
  loads.push(buildSet(setGroup, plan.set));
  const fontsReady = Promise.all((plan.fonts ?? []).map((f) => loadFont(f.family, f.url)));
  const roots = await Promise.all(plan.characters.map((c) => loadCharacter(c.glb)));
  const chars = plan.characters.map((c, i) => {
    const holder = new THREE.Group();
    holder.add(roots[i]);
    holder.position.set(...c.position);
    holder.rotation.y = c.yaw;
    holder.scale.setScalar(c.scale ?? 1);
    if (c.shadow) {
      const s = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), new THREE.MeshBasicMaterial({ map: dropShadowTexture(), transparent: true, opacity: c.shadow.opacity, depthWrite: false }));
      s.rotation.x = -Math.PI / 2;
      s.position.y = 0.08;
      s.scale.set(c.shadow.radius * 2, c.shadow.radius * 2, 1);
      s.userData.notCharacter = true;
      s.renderOrder = -1;
      holder.add(s);
    }
    return { plan: c, root: holder };
  });
  for (const c of chars) scene.add(c.root);
  await Promise.all(loads);
  buildLights(scene, plan.light);
  scene.updateMatrixWorld(true);
  const tLoad = performance.now();

  renderer.setRenderTarget(null);
  renderer.render(scene, camera);
  if (plan.syncTimings) renderer.getContext().readPixels(0, 0, 1, 1, WebGL2RenderingContext.RGBA, WebGL2RenderingContext.UNSIGNED_BYTE, new Uint8Array(4));
  const tRender = performance.now();

  const boxes = chars.map((c) => projectedBox(c.root, camera, width, height));
  const vis = plan.measureVisibility === false ? null : visibility(scene, camera, chars, boxes, width, height, plan.idScale ?? 0.5);
  const tVis = performance.now();

  out2d.filter = 'none';
  out2d.drawImage(renderer.domElement, 0, 0);
  if (plan.syncTimings) out2d.getImageData(0, 0, 1, 1);
  const tCopy = performance.now();
  await fontsReady;
  chars.forEach((c, k) => {
    const tag = c.plan.nametag;
    if (!tag || !boxes[k]) return;
    const head = new THREE.Vector3(...(c.plan.headTop ?? [0, 0, 0]));
    c.root.localToWorld(head);
    head.y += tag.lift ?? 0.5;
    head.project(camera);
    if (head.z > 1) return;
    const cx = (head.x * 0.5 + 0.5) * width;
    const cy = (0.5 - head.y * 0.5) * height;
    const charH = boxes[k][3] - boxes[k][1];
    const linePx = Math.max(tag.minLinePx ?? 7, (tag.linePxPerHeight ?? 0) * height * Math.pow(charH / height, tag.exponent ?? 0.21));
    drawNametag(out2d, { ...tag, linePx }, cx, Math.min(cy, boxes[k][1] - linePx * 0.3));
  });
  if (plan.blurPx) {
    out2d.filter = `blur(${plan.blurPx}px)`;
    out2d.drawImage(outCanvas, 0, 0);
    out2d.filter = 'none';
  }
  const tDraw = performance.now();
  const out = plan.output ?? { type: 'image/png' };
  // 'raw': the RGBA pixels go to Node, which encodes them (the page's encoder can starve on a busy machine)
  const bytes = out.type === 'raw'
    ? out2d.getImageData(0, 0, width, height).data.buffer
    : await (await outCanvas.convertToBlob({ type: out.type, ...(out.quality !== undefined ? { quality: out.quality } : {}) })).arrayBuffer();
  const tEncode = performance.now();
  await send(bytes);
  const tPost = performance.now();

  // free this scene's GPU resources (cached textures and characters stay)
  scene.traverse((o) => {
    if (o.isMesh && (o.userData.notCharacter || o.userData.disposable)) {
      o.geometry.dispose();
      o.material.dispose();
    } else if (o.isMesh && o.userData.disposableMaterial) o.material.dispose();
  });
  scene.clear();
  backdrop?.dispose();
  backdrop?.image?.close?.();

  return {
    objects: chars.map((c, k) => ({
      id: c.plan.id,
      box: boxes[k],
      visiblePixels: vis ? vis.visible[k] : null,
      alonePixels: vis ? vis.alone[k] : null,
      pixelBox: vis ? vis.pixelBoxes[k] : null,
    })),
    ms: { load: tLoad - t0, render: tRender - tLoad, visibility: tVis - tRender, copy: tCopy - tVis, draw: tDraw - tCopy, encode: tEncode - tDraw, send: tPost - tEncode },
  };
}

/** The binary channel back to Node (frames go there; a fetch POST of a frame is many times slower). */
let socket = null;
function send(bytes) {
  if (socket.readyState !== WebSocket.OPEN) throw new Error('the frame channel to Node is closed');
  socket.send(bytes);
}
async function connect() {
  const url = new URL('channel', location.href.replace(/page\/[^/]*$/, ''));
  url.protocol = 'ws:';
  socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error('cannot open the frame channel'));
  });
}

window.toonRender = renderScene;
window.toonRenderInfo = () => {
  const c = document.createElement('canvas');
  const gl = c.getContext('webgl2');
  const ext = gl?.getExtension('WEBGL_debug_renderer_info');
  return { webgl2: !!gl, renderer: gl && ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : null, three: THREE.REVISION };
};
await connect();
window.toonRenderReady = true;
