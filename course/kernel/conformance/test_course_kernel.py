"""Jupyter's own kernel conformance suite (jupyter_kernel_test) against the course kernel.

Run from the course root (CI does, see .ci/run):

    JUPYTER_PATH=$PWD/course/jupyter python3 -m unittest discover -s course/kernel/conformance -v

Each sample is what a learner could type into a cell. Samples left unset are the tests that do not
apply to a TypeScript kernel: no pager (IPython's `?`), no history store, no clear_output helper.
"""

import unittest

import jupyter_kernel_test


class CourseKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "unix-ipc-ts"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("something went wrong");'
    code_generate_error = 'throw new Error("boom");'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "[1, 2].map((n) => n * 2)", "result": "[ 2, 4 ]"},
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>hi</b>");', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.text("plain");', "mime": "text/plain"},
    ]
    completion_samples = [{"text": "Math.ma", "matches": ["max"]}]
    complete_code_samples = ["const x = 1;", "console.log(1)"]
    incomplete_code_samples = ["function f() {", "const y = ["]
    code_inspect_sample = "Math.max"


if __name__ == "__main__":
    unittest.main()
