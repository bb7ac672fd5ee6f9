// Types of electron-vite's main-process imports (`?asset`) and of ELECTRON_RENDERER_URL.
/// <reference types="electron-vite/node" />
