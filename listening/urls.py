from django.urls import path

from listening import views

app_name = "listening"

urlpatterns = [
    path("listening/", views.people, name="people"),
    path("listening/people.csv", views.people_csv, name="people_csv"),
    path("listening/people/<int:pk>/dismiss/", views.person_dismiss, name="person_dismiss"),
    path("listening/topics/", views.topics, name="topics"),
    path("listening/topics/new/", views.topic_edit, name="topic_new"),
    path("listening/topics/<int:pk>/", views.topic_edit, name="topic_edit"),
    path("listening/topics/<int:pk>/delete/", views.topic_delete, name="topic_delete"),
    path("listening/collect/", views.collect_now, name="collect_now"),
]
