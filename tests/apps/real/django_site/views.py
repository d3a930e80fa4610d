"""Views that exercise the request body, wsgi.file_wrapper and streaming."""
import hashlib
import os

from django.conf import settings
from django.http import FileResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def upload(request):
    """Multipart upload: the size and sha256 of the file part, and a text field, read back."""
    if request.method != "POST" or "file" not in request.FILES:
        return HttpResponseBadRequest("POST a multipart form with a 'file' part")
    part = request.FILES["file"]
    digest = hashlib.sha256()
    for chunk in part.chunks():
        digest.update(chunk)
    return JsonResponse({
        "name": part.name,
        "size": part.size,
        "sha256": digest.hexdigest(),
        "content_type": part.content_type,
        "note": request.POST.get("note"),
        # Which upload handler kept it: memory below 2.5 MB, a temporary file above.
        "on_disk": hasattr(part, "temporary_file_path"),
    })


def download(request, name):
    """A FileResponse: Django hands the open file to wsgi.file_wrapper when the server has one."""
    path = os.path.join(settings.DATA_DIR, os.path.basename(name))
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name)


def stream(request, count):
    """A StreamingHttpResponse from a generator: no Content-Length, one chunk per line."""
    def lines():
        for i in range(count):
            yield ("line %d of %d\n" % (i + 1, count)).encode()
    return StreamingHttpResponse(lines(), content_type="text/plain; charset=utf-8")


def json_view(request):
    """A JSON answer that echoes the query and what the server said about the request."""
    return JsonResponse({
        "method": request.method,
        "path": request.path,
        "query": dict(request.GET.items()),
        "secure": request.is_secure(),
    })
