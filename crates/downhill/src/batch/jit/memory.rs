//! Executable memory: the generated code is copied into a fresh mapping, which is then made read-and-execute
//! (never writable and executable at once).

/// Executable memory holding one function.
#[derive(Debug)]
pub(super) struct ExecMem {
    pub(super) ptr: *mut u8,
    pub(super) len: usize,
}

// SAFETY: the memory is never written after `new`, only executed.
unsafe impl Send for ExecMem {}
unsafe impl Sync for ExecMem {}

impl ExecMem {
    pub(super) fn new(code: &[u8]) -> Option<ExecMem> {
        let len = code.len().max(1);
        // SAFETY: a fresh private anonymous mapping, written while writable, then made read+execute.
        unsafe {
            let ptr = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if ptr == libc::MAP_FAILED {
                return None;
            }
            std::ptr::copy_nonoverlapping(code.as_ptr(), ptr as *mut u8, code.len());
            if libc::mprotect(ptr, len, libc::PROT_READ | libc::PROT_EXEC) != 0 {
                libc::munmap(ptr, len);
                return None;
            }
            Some(ExecMem {
                ptr: ptr as *mut u8,
                len,
            })
        }
    }
}

impl Drop for ExecMem {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}
