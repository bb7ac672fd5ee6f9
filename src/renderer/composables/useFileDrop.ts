import { onBeforeUnmount, onMounted, ref, shallowRef } from 'vue';

// The last file dropped on the window, waiting for the Datasets page to pick it up.
const droppedFile = shallowRef<File | null>(null);

/** The file dropped anywhere on the window (or picked), for the Datasets page to take. */
export function useDroppedFile() {
  return {
    droppedFile,
    take(): File | null {
      const file = droppedFile.value;
      droppedFile.value = null;
      return file;
    },
    offer(file: File) {
      droppedFile.value = file;
    },
  };
}

const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

/**
 * Window-level drag and drop of files: `dragging` while a file is over the window (for the overlay),
 * `onFile` with the first file dropped. Drags that carry no file (reordering rows) are left alone.
 */
export function useWindowFileDrop(onFile: (file: File) => void) {
  const dragging = ref(false);
  // dragenter/dragleave fire for every child element; counting them tells when the drag left the window.
  let depth = 0;
  const enter = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    depth++;
    dragging.value = true;
  };
  const leave = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging.value = false;
  };
  const over = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    // Without preventDefault the browser would open the file instead of letting us drop it.
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  };
  const drop = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    dragging.value = false;
    const file = event.dataTransfer?.files[0];
    if (file) onFile(file);
  };
  onMounted(() => {
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
  });
  onBeforeUnmount(() => {
    window.removeEventListener('dragenter', enter);
    window.removeEventListener('dragleave', leave);
    window.removeEventListener('dragover', over);
    window.removeEventListener('drop', drop);
  });
  return { dragging };
}
