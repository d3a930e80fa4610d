from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("upload/", views.upload),
    path("files/<str:name>", views.download),
    path("stream/<int:count>/", views.stream),
    path("json/", views.json_view),
]
