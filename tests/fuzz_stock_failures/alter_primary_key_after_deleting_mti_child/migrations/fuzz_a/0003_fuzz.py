from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
        ('fuzz_b', '0002_fuzz'),
    ]

    operations = [
        migrations.AddField(
            model_name='Child4',
            name='m2m_9',
            field=models.ManyToManyField(to='fuzz_a.model1'),
        ),
    ]
